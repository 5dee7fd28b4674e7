"""The orders grid's cockpit filters: from a chart point to the orders behind it.

A chart point is (week or day, FC, metric); its link opens the grid with `date_from`,
`date_to` (the period, on the PO date like the roll-up), `fc` and `metric`. Both filters
read OrderFact through its (shop, day, fc_code) index, so the grid stays keyset-paged.
"""

from django.db.models import F, Q

from cockpit.models import AckState, AsnState, OrderFact
from orders.grid_filters import GridFilter, grid_filter_register
from shops.models import Shop

# metric key → (label, condition on OrderFact)
METRIC_FILTERS: dict[str, tuple[str, Q]] = {
    "ack_on_time": ("Acknowledged on time", Q(ack_state=AckState.ON_TIME)),
    "ack_late": (
        "Acknowledged late or overdue",
        Q(ack_state__in=[AckState.LATE, AckState.OVERDUE]),
    ),
    "ack_pending": ("Acknowledgement not yet due", Q(ack_state=AckState.PENDING)),
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


def register_grid_filters() -> None:
    grid_filter_register(GridFilter("fc", "Fulfillment center", None, _fc_condition))
    grid_filter_register(
        GridFilter(
            "metric",
            "Cockpit metric",
            tuple((key, label) for key, (label, _) in METRIC_FILTERS.items()),
            _metric_condition,
        )
    )
