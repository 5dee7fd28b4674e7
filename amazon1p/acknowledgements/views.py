"""Acknowledging an order to Amazon from its page: Accept, Reject, or line by line; and the
panel that follows the acknowledgement until Amazon decides (htmx polls it)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from amazon1p.acknowledgements import services
from amazon1p.acknowledgements.forms import AcknowledgementLinesForm
from amazon1p.acknowledgements.selectors import acknowledgement_panel
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from orders.access import order_for_user
from orders.views import order_detail_context
from shops.permissions import Perm

POLL_SECONDS = 2
SENT = "Acknowledgement written; it is on its way to Amazon."


def _back(shop_id: int, order_id: int) -> HttpResponse:
    return redirect("orders:order-detail", shop_id=shop_id, pk=order_id)


@login_required
@require_POST
def acknowledge_accept(request: AuthenticatedRequest, shop_id: int, order_id: int) -> HttpResponse:
    """Accept everything not credited; credited parts go out Rejected."""
    order = order_for_user(request, shop_id=shop_id, pk=order_id, perm=Perm.ORDERS_ACKNOWLEDGE)
    try:
        services.acknowledgement_request(actor=request.user, order=order)
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, SENT)
    return _back(shop_id, order_id)


@login_required
@require_POST
def acknowledge_reject(request: AuthenticatedRequest, shop_id: int, order_id: int) -> HttpResponse:
    """Credit every row in full and reject the PO (TemporarilyUnavailable)."""
    order = order_for_user(request, shop_id=shop_id, pk=order_id, perm=Perm.ORDERS_ACKNOWLEDGE)
    try:
        services.acknowledgement_reject_all(actor=request.user, order=order)
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Every row credited; the rejection is on its way to Amazon.")
    return _back(shop_id, order_id)


@login_required
@require_POST
def acknowledge_lines(request: AuthenticatedRequest, shop_id: int, order_id: int) -> HttpResponse:
    """Line by line: accept or backorder each row's uncredited part."""
    order = order_for_user(request, shop_id=shop_id, pk=order_id, perm=Perm.ORDERS_ACKNOWLEDGE)
    form = AcknowledgementLinesForm(request.POST, order=order)
    if form.is_valid():
        try:
            services.acknowledgement_request(
                actor=request.user, order=order, decisions=form.decisions()
            )
        except ShopCtrlError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, SENT)
            return _back(shop_id, order_id)
    context = order_detail_context(request, order, ack_form=form)
    return render(request, "orders/order_detail.html", context, status=400)


@login_required
@require_GET
def acknowledgement_status(
    request: AuthenticatedRequest, shop_id: int, order_id: int
) -> HttpResponse:
    """The panel alone, for htmx to poll while an acknowledgement is in flight."""
    order = order_for_user(request, shop_id=shop_id, pk=order_id, perm=Perm.SHOP_VIEW)
    panel = acknowledgement_panel(
        order, may_acknowledge=Perm.ORDERS_ACKNOWLEDGE in request.shop_permissions
    )
    context = {"shop": order.shop, "order": order, "acknowledgement": panel}
    response = render(request, "amazon1p/_order_acknowledgement.html", context)
    if request.htmx and not panel.in_flight:
        # The poll that sees Amazon's verdict reloads the page once: the order's status (and
        # its deadline) changed with it, not only this panel.
        response["HX-Refresh"] = "true"
    return response
