"""Order pages: the grid and the order detail with its credit rows and parameters."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from
from orders import selectors, services
from orders.access import order_for_user, order_page_for_user
from orders.catalogue import row_titles
from orders.forms import CreditRowForm, OrderGridFilterForm, OrderParameterForm, RowPriceForm
from orders.grid_filters import GRID_FILTERS
from orders.grid_rows import grid_rows_html
from orders.models import Order
from orders.panels import OrderPage, order_panels_context, order_panels_related
from orders.selectors import Cursor, OrderGridFilters
from shops.access import shop_for_user
from shops.models import Alert
from shops.permissions import Perm
from shops.views import LAST_SHOP_SESSION_KEY


@login_required
@require_GET
def order_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """The orders grid: filters in the query string, keyset pages, no total count."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    if request.session.get(LAST_SHOP_SESSION_KEY) != shop.pk:  # no session write per page
        request.session[LAST_SHOP_SESSION_KEY] = shop.pk
    form = OrderGridFilterForm(request.GET or None, shop=shop)
    refused = form.is_bound and not form.is_valid()
    filters = form.filters() if form.is_bound and not refused else OrderGridFilters()
    page = selectors.order_grid_page(
        shop=shop,
        filters=filters,
        after=Cursor.decode(request.GET.get("after", "")),
        before=Cursor.decode(request.GET.get("before", "")),
        page_size=settings.ORDERS_PAGE_SIZE,
    )
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    context = {
        "shop": shop,
        "form": form,
        "page": page,
        "grid_rows": grid_rows_html(page.orders, reverse("orders:order-list", args=[shop.pk])),
        "filter_query": query.urlencode(),
        "extra_filter_names": list(GRID_FILTERS),
        "unread_alerts": Alert.objects.filter(shop=shop, is_read=False)[:5],
    }
    template = "orders/_order_grid.html" if request.htmx else "orders/order_list.html"
    return render(request, template, context, status=400 if refused else 200)


def order_detail_context(request: AuthenticatedRequest, order: Order, **forms) -> dict:
    """Everything the order page shows, with the panels higher apps add (orders/panels.py);
    `forms` carries bound forms back with their errors (credit_form, parameter_form, and
    the panels' own, such as ack_form)."""
    order = selectors.order_detail(shop=order.shop, pk=order.pk, related=order_panels_related())
    return _page_context(request, order, forms)


def _page_context(request: AuthenticatedRequest, order: Order, forms: dict[str, Any]) -> dict:
    """`order_detail_context` for an order read by `selectors.order_detail` (its rows, credit
    rows and parameters come with it; the panels read the rows from it too)."""
    rows: list[Any] = list(order.rows.all())  # OrderRows, given attributes for the template
    titles = row_titles(order.shop_id, rows)
    credit_rows = []
    for row in rows:
        credits = list(row.credit_rows.all())
        credit_rows += credits
        row.product = titles.get(row.pk, "")
        row.credited = sum(credit.quantity for credit in credits)
        row.remaining = row.quantity - row.credited
    credit_rows.sort(key=lambda credit: (credit.created_at, credit.pk))  # CreditRow's ordering
    can_edit = Perm.ORDERS_EDIT in request.shop_permissions
    unpriced_rows = [row for row in rows if row.unit_price is None]
    return {
        "shop": order.shop,
        "order": order,
        "rows": rows,
        "credit_rows": credit_rows,
        # Rows priced per weight unit or not priced have no total yet: the order's is then
        # an estimate of the rows priced per each.
        "total": sum(
            (row.unit_price * row.remaining for row in rows if not row.price_is_estimate), 0
        ),
        "total_is_estimate": any(row.price_is_estimate for row in rows),
        "unpriced_rows": unpriced_rows,
        # The forms only for those who may use them (the template shows them to them only).
        "price_form": forms.get("price_form")
        or (RowPriceForm(order=order, rows=unpriced_rows) if can_edit and unpriced_rows else None),
        "alerts": selectors.order_alerts(order=order),
        "history": selectors.order_history(order=order)[:100],
        "credit_form": forms.get("credit_form")
        or (CreditRowForm(order=order, rows=rows) if can_edit else None),
        "parameter_form": forms.get("parameter_form") or OrderParameterForm(),
        "can_edit": can_edit,
        **order_panels_context(
            OrderPage(request=request, order=order, forms=forms, row_titles=titles)
        ),
    }


@login_required
@require_GET
def order_detail(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    order = order_page_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.SHOP_VIEW)
    return render(request, "orders/order_detail.html", _page_context(request, order, {}))


def _order_page_again(request: AuthenticatedRequest, order: Order, **refused: Any) -> HttpResponse:
    """The order page with a refused form and its errors (400)."""
    context = order_detail_context(request, order, **refused)
    return render(request, "orders/order_detail.html", context, status=400)


@login_required
@require_POST
def order_credit_row_add(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    order = order_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.ORDERS_EDIT)
    form = CreditRowForm(request.POST, order=order)
    if form.is_valid():
        try:
            services.order_credit_row_add(actor=request.user, order=order, **form.cleaned_data)
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, "Credit row added.")
            return redirect("orders:order-detail", shop_id=shop_id, pk=pk)
    return _order_page_again(request, order, credit_form=form)


@login_required
@require_POST
def order_parameter_set(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    order = order_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.ORDERS_EDIT)
    form = OrderParameterForm(request.POST)
    if form.is_valid():
        try:
            services.order_parameter_set(actor=request.user, order=order, **form.cleaned_data)
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Parameter {form.cleaned_data['key']} saved.")
            return redirect("orders:order-detail", shop_id=shop_id, pk=pk)
    return _order_page_again(request, order, parameter_form=form)


@login_required
@require_POST
def order_row_price_set(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    order = order_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.ORDERS_EDIT)
    form = RowPriceForm(request.POST, order=order)
    if form.is_valid():
        try:
            services.order_row_price_set(actor=request.user, order=order, **form.cleaned_data)
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Row {form.cleaned_data['row'].position} priced.")
            return redirect("orders:order-detail", shop_id=shop_id, pk=pk)
    return _order_page_again(request, order, price_form=form)
