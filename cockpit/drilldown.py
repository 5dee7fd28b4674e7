"""The orders grid's cockpit filters: from a chart point to the orders behind it.

A chart point is (week or day, FC, metric); its link opens the grid with `date_from`,
`date_to` (the period, on the PO date like the roll-up), `fc` and `metric`. Both filters
read OrderFact through its (shop, day, fc_code) index, so the grid stays keyset-paged. A
product row of the cockpit adds the grid's own `product` filter; the unit metrics then look
at that product's rows in the PO's latest successful acknowledgement (docs/metrics.md).
"""

from django.db.models import Exists, F, OuterRef, Q, Subquery

from amazon1p.models import Acknowledgement, AcknowledgementLine, AckStatus
from cockpit.models import AckState, AsnState, OrderFact
from orders.grid_filters import GridFilter, grid_filter_register
from orders.models import OrderRow
from orders.selectors import product_row_condition
from shops.models import Shop

# metric key → (label, condition on OrderFact)
METRIC_FILTERS: dict[str, tuple[str, Q]] = {
    "ack_on_time": ("Acknowledged on time", Q(ack_state=AckState.ON_TIME)),
    "ack_late": (
        "Acknowledged late or overdue",
        Q(ack_state__in=[AckState.LATE, AckState.OVERDUE]),
    ),
    "ack_pending": ("Acknowledgement not yet due", Q(ack_state=AckState.PENDING)),
    "not_confirmed": (
        "Not every unit confirmed",
        Q(units_accepted__lt=F("units_ordered")),
    ),
    "rejected": ("Units rejected", Q(units_rejected__gt=0)),
    "backordered": ("Units backordered", Q(units_backordered__gt=0)),
    "backorder_open": ("Backorders still open", Q(backorder_open__gt=0)),
    "asn_on_time": ("ASN before departure", Q(asn_state=AsnState.ON_TIME)),
    "asn_late": ("ASN after departure", Q(asn_state=AsnState.LATE)),
    "asn_not_first_try": ("ASN not accepted at first try", Q(asn_first_try=False)),
    "shipped": ("Shipped with an ASN", ~Q(asn_state=AsnState.NONE)),
    "not_filled": (
        "Received less than ordered",
        Q(receiving_counted=True, units_received__lt=F("units_ordered")),
    ),
    "received_not_shipped": (
        "Received other than shipped",
        Q(receiving_counted=True) & ~Q(units_received=F("units_shipped")),
    ),
}


def _fc_condition(shop: Shop, value: str) -> Q:
    code = "" if value == "-" else value  # "-": POs without a ship-to FC
    return Q(pk__in=OrderFact.objects.filter(shop=shop, fc_code=code).values("order_id"))


def _metric_condition(shop: Shop, value: str) -> Q:
    return Q(
        pk__in=OrderFact.objects.filter(METRIC_FILTERS[value][1], shop=shop).values("order_id")
    )


def _latest_answer(order_ref: str) -> Subquery:
    """The order's latest successful acknowledgement, as the roll-up picks it."""
    return Subquery(
        Acknowledgement.objects.filter(order_id=OuterRef(order_ref), status=AckStatus.SUCCESS)
        .order_by("-acknowledgement_date", "-pk")
        .values("pk")[:1]
    )


def _answered_lines(product: str, **condition) -> Q:
    """Orders whose latest successful acknowledgement answers a row of `product` so."""
    return Q(
        Exists(
            AcknowledgementLine.objects.filter(
                product_row_condition(product, "row__"),
                row__order_id=OuterRef("pk"),
                acknowledgement_id=_latest_answer("row__order_id"),
                **condition,
            )
        )
    )


def _not_confirmed(product: str) -> Q:
    """Orders with a row of `product` that the latest successful acknowledgement did not
    accept in full (no answer at all included)."""
    accepted_in_full = AcknowledgementLine.objects.filter(
        row_id=OuterRef("pk"),
        accepted__gte=OuterRef("quantity"),
        acknowledgement_id=_latest_answer("row__order_id"),
    )
    return Q(
        Exists(
            OrderRow.objects.filter(
                product_row_condition(product), order_id=OuterRef("pk")
            ).exclude(Exists(accepted_in_full))
        )
    )


# Metrics about units, which a product narrows to that product's rows (the cockpit's
# product table); the others are about the whole PO, and the product filter only picks the
# POs with the product.
PRODUCT_METRICS = {
    "rejected": lambda product: _answered_lines(product, rejected__gt=0),
    "backordered": lambda product: _answered_lines(product, backordered__gt=0),
    "not_confirmed": _not_confirmed,
}


def _metric_product_condition(shop: Shop, value: str, product: str) -> Q:
    # The row-level condition alone: it implies the PO-level one, and without the facts'
    # subquery (every fact of the shop) PostgreSQL walks the grid's date range and probes
    # each order's rows.
    if value in PRODUCT_METRICS:
        return PRODUCT_METRICS[value](product)
    return _metric_condition(shop, value)


def register_grid_filters() -> None:
    grid_filter_register(GridFilter("fc", "Fulfillment center", None, _fc_condition))
    grid_filter_register(
        GridFilter(
            "metric",
            "Cockpit metric",
            tuple((key, label) for key, (label, _) in METRIC_FILTERS.items()),
            _metric_condition,
            _metric_product_condition,
        )
    )
