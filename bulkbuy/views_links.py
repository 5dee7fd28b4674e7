"""The order page's Bulk Buy panel and its two actions: re-check the link, and link to an
offer by hand. Both need orders.edit and return to the order page with a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from bulkbuy import linking, selectors
from bulkbuy.forms import OrderLinkForm
from bulkbuy.linking import LinkOutcome, LinkRefusedError
from bulkbuy.models import OrderLinkLine
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from orders.access import order_for_user
from orders.models import Channel, Order, OrderRow, PurchaseType
from shops.permissions import Perm

REASONS_SHOWN = 20


def order_bulk_buy_context(request: HttpRequest, order: Order) -> dict | None:
    """What the order page's Bulk Buy panel shows; None for orders not from Amazon."""
    if order.channel != Channel.AMAZON_1P:
        return None
    panel = selectors.order_bulk_buy(order=order)
    perms = request.shop_permissions  # type: ignore[attr-defined]
    can_link = Perm.ORDERS_EDIT in perms
    rows: list[tuple[OrderRow, OrderLinkLine | None]] = []
    if panel.lines:
        # The rows and their credit rows: the order page has read them already.
        prefetch_related_objects([order], "rows__credit_rows")
        for row in order.rows.all():
            credited = sum(credit.quantity for credit in row.credit_rows.all())
            row.left = row.quantity - credited  # type: ignore[attr-defined]  # for the template
            rows.append((row, panel.lines.get(row.pk)))
    return {
        "link": panel.link,
        "window": panel.window,
        "rows": rows,
        "can_link": can_link,
        "can_open_offer": Perm.OFFERS_VIEW in perms,
        # Only for those who may link (the template shows it to them only).
        "form": OrderLinkForm(
            offers=panel.offers,
            initial={
                "offer": panel.link.offer_id if panel.link else None,
                "stage": panel.link.stage if panel.link else None,
            },
            auto_id="link_%s",
        )
        if can_link
        else None,
    }


def _describe(outcome: LinkOutcome) -> str:
    label = PurchaseType(outcome.purchase_type).label
    if outcome.purchase_type == PurchaseType.BULK_BUY:
        where = f"offer {outcome.offer_name}, delivery stage {outcome.stage}"
        return f"Linked to {where}." if outcome.changed else f"Still linked to {where}."
    if outcome.purchase_type == PurchaseType.UNDEFINED:
        return f"Purchase type: {label}. See the discrepancies below."
    return f"Purchase type: {label}." + ("" if outcome.changed else " Nothing changed.")


def _back(order: Order) -> HttpResponse:
    response = redirect("orders:order-detail", shop_id=order.shop_id, pk=order.pk)
    response["Location"] += "#bulk-buy"
    return response


@login_required
@require_POST
def order_link_check(request: AuthenticatedRequest, shop_id: int, order_id: int) -> HttpResponse:
    """Check the order against the completed offers again (after credit rows, say)."""
    order = order_for_user(request, shop_id=shop_id, pk=order_id, perm=Perm.ORDERS_EDIT)
    try:
        outcome = linking.order_link_check(order_id=order.pk, actor=request.user)
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _describe(outcome))
    return _back(order)


@login_required
@require_POST
def order_link(request: AuthenticatedRequest, shop_id: int, order_id: int) -> HttpResponse:
    """Link the order to a delivery stage of a completed offer, as chosen; refused with
    every reason while it does not fit."""
    order = order_for_user(request, shop_id=shop_id, pk=order_id, perm=Perm.ORDERS_EDIT)
    form = OrderLinkForm(request.POST, offers=selectors.order_link_offers(order=order))
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request, f"{form.fields[field].label or field}: {' '.join(str(e) for e in errors)}"
            )
        return _back(order)
    try:
        outcome = linking.order_link_by_hand(
            actor=request.user,
            order_id=order.pk,
            offer_id=form.cleaned_data["offer"].pk,
            stage=form.cleaned_data["stage"],
        )
    except LinkRefusedError as refused:
        messages.error(request, refused.message)
        for reason in refused.discrepancies[:REASONS_SHOWN]:
            messages.error(request, reason)
    except ShopCtrlError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _describe(outcome))
    return _back(order)
