"""Reconciliation pages: the shop-wide list (with CSV export) and a group shipment's."""

import csv
from io import StringIO

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from asn.models import GroupShipment
from core.spreadsheet import csv_cell
from receiving.forms import ReconFilterForm
from receiving.selectors import (
    LIST_LIMIT,
    ReconFilters,
    ReconOrder,
    group_reconciliation,
    shop_reconciliation,
)
from shops.access import shop_for_user
from shops.permissions import Perm

# Templates of actions a higher app adds to a group shipment's receiving page (each gets
# `shop` and `group`); the invoicing app registers its "invoice" button in AppConfig.ready().
group_actions: list[str] = []

CSV_HEADER = [
    "PO",
    "FC",
    "Line",
    "SKU",
    "EAN",
    "ASIN",
    "Title",
    "Unit price",
    "Ordered",
    "Accepted",
    "Backordered",
    "Shipped (ASN)",
    "Received",
    "Receive status",
    "Last receive date",
    "To ship",
    "To ship value",
    "At risk",
    "At risk value",
    "Invoiced",
    "Credited",
    "To invoice",
]


def _filtered(request: HttpRequest, shop) -> tuple[ReconFilterForm, list[ReconOrder], bool]:
    form = ReconFilterForm(request.GET or None)
    refused = form.is_bound and not form.is_valid()
    filters = form.filters() if form.is_bound and not refused else ReconFilters()
    return form, shop_reconciliation(shop, filters), refused


@login_required
@require_GET
def reconciliation_list(request: HttpRequest, shop_id: int) -> HttpResponse:
    """Shipped POs: ordered, accepted, shipped, received and what is at stake."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    form, orders, refused = _filtered(request, shop)
    context = {
        "shop": shop,
        "form": form,
        "orders": orders,
        "limit": LIST_LIMIT,
        "query": request.GET.urlencode(),
        "totals": _totals(orders),
    }
    return render(
        request, "receiving/reconciliation_list.html", context, status=400 if refused else 200
    )


@login_required
@require_GET
def reconciliation_export(request: HttpRequest, shop_id: int) -> HttpResponse:
    """The filtered list as CSV, one row per PO line (formula-like text made plain)."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    form, orders, refused = _filtered(request, shop)
    if refused:
        return HttpResponse(
            "The filters are not valid: "
            + "; ".join(
                f"{name}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
            ),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    out = StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for recon in orders:
        for line in recon.lines:
            row = line.row
            writer.writerow(
                [
                    csv_cell(value)
                    for value in (
                        recon.po_number,
                        recon.fc,
                        row.position,
                        row.sku,
                        row.ean,
                        row.asin,
                        row.title,
                        "" if row.unit_price is None else row.unit_price,
                        line.ordered,
                        "" if line.accepted is None else line.accepted,
                        "" if line.backordered is None else line.backordered,
                        line.shipped,
                        "" if line.received is None else line.received,
                        line.status_label if line.receive_status else "",
                        line.last_receive_date.isoformat() if line.last_receive_date else "",
                        line.to_ship,
                        line.to_ship_value,
                        line.at_risk,
                        line.at_risk_value,
                        line.invoiced,
                        line.credited,
                        line.to_invoice,
                    )
                ]
            )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"reconciliation-{shop.pk}-{timezone.now():%Y%m%d-%H%M}.csv"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
@require_GET
def group_reconciliation_page(request: HttpRequest, shop_id: int, pk: int) -> HttpResponse:
    """What a group shipment's orders were shipped and received."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    group = get_object_or_404(GroupShipment, pk=pk, shop=shop)
    orders = group_reconciliation(group)
    context = {
        "shop": shop,
        "group": group,
        "orders": orders,
        "totals": _totals(orders),
        "group_actions": group_actions,
    }
    return render(request, "receiving/group_reconciliation.html", context)


def _totals(orders: list[ReconOrder]) -> dict:
    return {
        "shipped": sum(o.shipped for o in orders),
        "received": sum(o.received for o in orders),
        "to_ship": sum(o.to_ship for o in orders),
        "at_risk": sum(o.at_risk for o in orders),
        "invoiced": sum(o.invoiced for o in orders),
        "credited": sum(o.credited for o in orders),
        "shipped_value": sum((o.shipped_value for o in orders), 0),
        "to_ship_value": sum((o.to_ship_value for o in orders), 0),
        "at_risk_value": sum((o.at_risk_value for o in orders), 0),
    }
