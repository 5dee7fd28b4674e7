"""The Products page: the shop's catalogue with search, add, edit and "Fill from orders".

Members with `shop.view` see it; changing it needs `shop.configure` (Shop Owner Admin).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from, post_data
from orders import catalogue
from orders.forms import ProductForm, ProductSearchForm
from orders.models import Product
from shops.access import shop_for_user, shop_object_for_user
from shops.permissions import Perm

PRODUCTS_PAGE_SIZE = 50


def _list_page(request: AuthenticatedRequest, shop, form: ProductForm, *, status: int = 200):
    search = ProductSearchForm(request.GET or None)
    products = Product.objects.filter(shop=shop).prefetch_related("asins")
    query = search.cleaned_data["q"].strip() if search.is_bound and search.is_valid() else ""
    if query:
        products = products.filter(
            Q(ean__startswith=query)
            | Q(asin__istartswith=query)
            | Q(sku__istartswith=query)
            | Q(title__icontains=query)
        )
    page = Paginator(products, PRODUCTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "orders/product_list.html",
        {
            "shop": shop,
            "page": page,
            "search": search,
            "query": query,
            "form": form,
            "can_edit": Perm.SHOP_CONFIGURE in request.shop_permissions,
        },
        status=status,
    )


@login_required
@require_GET
def product_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    return _list_page(request, shop, ProductForm())


@login_required
@require_POST
def product_add(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            product = catalogue.product_create(
                actor=request.user, shop=shop, values=form.cleaned_data
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Product “{product}” added.")
            return redirect("orders:product-list", shop_id=shop.pk)
    return _list_page(request, shop, form, status=400)


@login_required
def product_edit(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    product = shop_object_for_user(
        request, Product, shop_id=shop_id, pk=pk, perm=Perm.SHOP_CONFIGURE
    )
    initial = {name: getattr(product, name) for name in catalogue.PRODUCT_FIELDS}
    form = ProductForm(post_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue.product_update(actor=request.user, product=product, values=form.cleaned_data)
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Product “{product}” saved.")
            return redirect("orders:product-list", shop_id=shop_id)
    return render(
        request,
        "orders/product_edit.html",
        {"shop": product.shop, "product": product, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def product_fill(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    count = catalogue.products_fill_from_orders(actor=request.user, shop=shop)
    if count:
        messages.success(request, f"{count} products added or completed from the order rows.")
    else:
        messages.info(request, "The catalogue already has every product of the order rows.")
    return redirect("orders:product-list", shop_id=shop.pk)
