"""The cockpit's tables as rows for CSV: one function per table, (header, rows)."""

from collections.abc import Callable, Iterable
from datetime import date

from cockpit import selectors
from shops.models import Shop

Rows = tuple[list[str], Iterable[list]]

PERIOD_HEADER = [
    "period_start",
    "period_end",
    "pos",
    "ack_on_time",
    "ack_late_or_overdue",
    "ack_pending",
    "ack_on_time_pct",
    "ack_median_hours",
    "units_ordered",
    "units_accepted",
    "units_backordered",
    "units_rejected",
    "confirmation_pct",
    "rejected_temporarily_unavailable",
    "rejected_invalid_product_identifier",
    "rejected_obsolete_product",
    "backorder_open",
    "asn_on_time",
    "asn_late",
    "asn_on_time_pct",
    "asn_accuracy_pct",
    "lead_time_days",
    "receiving_units_ordered",
    "receiving_units_shipped",
    "units_received",
    "fill_rate_pct",
    "receiving_accuracy_pct",
]


def _bucket_row(b: selectors.Bucket) -> list:
    s = b.sums
    return [
        b.start,
        b.end,
        s["pos"],
        s["ack_on_time"],
        s["ack_late"],
        s["ack_pending"],
        b.ack_on_time_pct,
        b.ack_median_hours,
        s["units_ordered"],
        s["units_accepted"],
        s["units_backordered"],
        s["units_rejected"],
        b.confirmation_pct,
        s["rejected_temporarily_unavailable"],
        s["rejected_invalid_product_identifier"],
        s["rejected_obsolete_product"],
        s["backorder_open"],
        s["asn_on_time"],
        s["asn_late"],
        b.asn_on_time_pct,
        b.asn_accuracy_pct,
        b.lead_days,
        s["received_ordered"],
        s["received_shipped"],
        s["units_received"],
        b.fill_rate_pct,
        b.receiving_accuracy_pct,
    ]


def periods_rows(shop: Shop, today: date, period: str, count: int, fc: str | None) -> Rows:
    buckets = selectors.cockpit_periods(shop=shop, today=today, period=period, count=count, fc=fc)
    return PERIOD_HEADER, [_bucket_row(b) for b in buckets]


def _first_start(shop: Shop, today: date, period: str, count: int) -> date:
    start = selectors.cockpit_periods(shop=shop, today=today, period=period, count=count)[0].start
    assert start is not None  # a period's bucket always has its dates (an FC's has none)
    return start


def fcs_rows(shop: Shop, today: date, period: str, count: int, fc: str | None) -> Rows:
    start = _first_start(shop, today, period, count)
    buckets = selectors.cockpit_fcs(shop=shop, date_from=start, date_to=today)
    return ["fc", *PERIOD_HEADER], [[b.key, *_bucket_row(b)] for b in buckets]


def products_rows(shop: Shop, today: date, period: str, count: int, fc: str | None) -> Rows:
    start = _first_start(shop, today, period, count)
    products = selectors.cockpit_products(shop=shop, date_from=start, date_to=today, limit=None)
    header = [
        "product",
        "title",
        "units_ordered",
        "units_accepted",
        "units_backordered",
        "units_rejected",
        "units_shipped",
        "confirmation_pct",
    ]
    return header, [
        [
            p.product,
            p.title,
            p.units_ordered,
            p.units_accepted,
            p.units_backordered,
            p.units_rejected,
            p.units_shipped,
            p.confirmation_pct,
        ]
        for p in products
    ]


def sync_rows(shop: Shop, today: date, period: str, count: int, fc: str | None) -> Rows:
    health = selectors.cockpit_sync_health(shop=shop, today=today)
    header = ["day", "pos_imported", "throttled", "failed_pos", "failed_runs"]
    return header, [
        [d["day"], d["imported"], d["throttled"], d["failed_pos"], d["failed_runs"]]
        for d in health.days
    ]


def offers_rows(shop: Shop, today: date, period: str, count: int, fc: str | None) -> Rows:
    header = ["offer", "expires_at", "offered_eaches", "ordered_eaches", "ordered_pct"]
    return header, [
        [u.offer.name, u.offer.expires_at, u.offered, u.ordered, u.percent]
        for u in selectors.cockpit_offers(shop=shop, limit=1000)
    ]


EXPORTS: dict[str, Callable[..., Rows]] = {
    "periods": periods_rows,
    "fcs": fcs_rows,
    "products": products_rows,
    "sync": sync_rows,
    "offers": offers_rows,
}
