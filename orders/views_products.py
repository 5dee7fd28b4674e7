"""The Products page: the shop's catalogue with search, add, edit, "Fill from orders" and
"Set VAT category" on the products ticked.

Members with `shop.view` see it (with each product's VAT category); changing it needs
`shop.configure` (Shop Owner Admin).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from, form_errors_to_messages, post_data, safe_next_url
from orders import catalogue
from orders.forms import ProductForm, ProductSearchForm, ProductVatTariffForm
from orders.models import Product
from shops.access import shop_for_user, shop_object_for_user
from shops.permissions import Perm

PRODUCTS_PAGE_SIZE = 50


def _list_page(request: AuthenticatedRequest, shop, form: ProductForm, *, status: int = 200):
    search = ProductSearchForm(request.GET or None)
    products = (
        Product.objects.filter(shop=shop).select_related("vat_tariff").prefetch_related("asins")
    )
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
            "bulk": ProductVatTariffForm(shop=shop, auto_id="bulk_%s"),
            "can_edit": Perm.SHOP_CONFIGURE in request.shop_permissions,
        },
        status=status,
    )


@login_required
@require_GET
def product_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    return _list_page(request, shop, ProductForm(shop=shop))


@login_required
@require_POST
def product_add(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    form = ProductForm(request.POST, shop=shop)
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
    form = ProductForm(post_data(request), initial=initial, shop=product.shop)
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


@login_required
@require_POST
def product_vat_tariff_set(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """ "Set VAT category" on the products ticked; back to the page they were ticked on."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    back = redirect(safe_next_url(request, reverse("orders:product-list", args=[shop.pk])))
    form = ProductVatTariffForm(request.POST, shop=shop)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return back
    tariff = form.cleaned_data["vat_tariff"]
    try:
        change = catalogue.product_vat_tariff_set(
            actor=request.user,
            shop=shop,
            product_ids=[p.pk for p in form.cleaned_data["products"]],
            vat_tariff=tariff,
            apply_to_rows=form.cleaned_data["apply_to_rows"],
        )
    except ShopCtrlError as error:
        messages.error(request, error.message)
        return back
    category = str(tariff) if tariff else "the shop's default"
    text = f"VAT category set to {category} on {change.products} product(s)."
    if form.cleaned_data["apply_to_rows"]:
        text += f" {change.rows} order row(s) re-rated."
    messages.success(request, text)
    return back
