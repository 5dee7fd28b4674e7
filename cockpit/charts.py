"""The cockpit's charts as plain data: the template draws a table of each, and
static/cockpit/cockpit.js draws the same data with Chart.js (read from a JSON script tag)."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote_plus, urlencode

from django.urls import reverse

from cockpit import targets
from cockpit.selectors import Bucket, ProductRow, rejection_reasons
from cockpit.targets import Target
from shops.models import Shop


@dataclass(frozen=True)
class Series:
    label: str
    values: list  # float | int | None per period
    urls: list[str]  # the orders behind each point


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: str  # "line" or "bar"
    unit: str
    targets: tuple[Target, ...]  # Amazon's, each drawn as a dashed line; () where none
    labels: list[str]
    series: list[Series]
    stacked: bool = False

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "unit": self.unit,
            "targets": [{"label": t.label, "value": t.value} for t in self.targets],
            "labels": self.labels,
            "stacked": self.stacked,
            "series": [{"label": s.label, "values": s.values, "urls": s.urls} for s in self.series],
        }

    def rows(self) -> list[tuple[str, list[tuple[object, str]]]]:
        """The table view: per period, (value, link) per series."""
        return [
            (label, [(s.values[i], s.urls[i]) for s in self.series])
            for i, label in enumerate(self.labels)
        ]


class GridLinks:
    """Links to the orders grid filtered to the orders behind a figure: the period's Amazon
    POs, of one FC (`-`: none) when given, that a metric filter picks, with a row of a
    product. A page makes hundreds: the grid's address is looked up once, and the query
    is written as `urlencode` would write it."""

    def __init__(self, shop: Shop) -> None:
        self.base = reverse("orders:order-list", args=[shop.pk]) + "?channel=amazon_1p"

    def url(
        self, bucket: Bucket, fc: str | None, metric: str | None, product: str | None = None
    ) -> str:
        start = bucket.start.isoformat() if bucket.start else ""
        end = bucket.end.isoformat() if bucket.end else ""
        url = f"{self.base}&date_from={start}&date_to={end}"
        if fc is not None:
            url += "&fc=" + quote_plus(fc or "-")
        if metric:
            url += "&" + urlencode({"metric": metric})
        if product:
            url += "&product=" + quote_plus(product)
        return url


@dataclass(frozen=True)
class ProductLinks:
    """A product row of the cockpit with the grid links of its figures."""

    row: ProductRow
    orders: str  # every order of the period with the product
    rejected: str
    backordered: str
    not_confirmed: str


def product_links(
    links: GridLinks, rows: list[ProductRow], date_from: date, date_to: date
) -> list[ProductLinks]:
    period = Bucket(key="products", start=date_from, end=date_to)
    return [
        ProductLinks(
            row,
            links.url(period, None, None, row.product),
            links.url(period, None, "rejected", row.product),
            links.url(period, None, "backordered", row.product),
            links.url(period, None, "not_confirmed", row.product),
        )
        for row in rows
    ]


def cockpit_charts(links: GridLinks, periods: list[Bucket], fc: str | None) -> list[Chart]:
    labels = [b.key for b in periods]

    def series(label: str, attr, metric: str | None) -> Series:
        values = [attr(b) for b in periods]
        return Series(label, values, [links.url(b, fc, metric) for b in periods])

    reasons = [rejection_reasons(b) for b in periods]
    return [
        Chart(
            "ack",
            "Acknowledged on time",
            "line",
            "%",
            (targets.ACK_ON_TIME,),
            labels,
            [series("On time %", lambda b: b.ack_on_time_pct, "ack_late")],
        ),
        Chart(
            "ack_median",
            "Median time to acknowledge",
            "line",
            "h",
            (),
            labels,
            [series("Median hours", lambda b: b.ack_median_hours, "ack_on_time")],
        ),
        Chart(
            "confirmation",
            "Confirmation rate (units accepted / ordered)",
            "line",
            "%",
            (targets.CONFIRMATION,),
            labels,
            [series("Confirmed %", lambda b: b.confirmation_pct, "not_confirmed")],
        ),
        Chart(
            "rejections",
            "Rejected units by reason",
            "bar",
            "units",
            (),
            labels,
            [
                Series(
                    reason_label,
                    [r[i][2] for r in reasons],
                    [links.url(b, fc, "rejected") for b in periods],
                )
                for i, (_, reason_label, _) in enumerate(reasons[0])
            ],
            stacked=True,
        ),
        Chart(
            "asn",
            "ASN on time and ASN accuracy",
            "line",
            "%",
            (targets.ASN_ON_TIME, targets.ASN_ACCURACY),
            labels,
            [
                series("ASN on time %", lambda b: b.asn_on_time_pct, "asn_late"),
                series("ASN accuracy %", lambda b: b.asn_accuracy_pct, "asn_not_first_try"),
            ],
        ),
        Chart(
            "lead",
            "Lead time (PO date to departure) and open backorders",
            "bar",
            "",
            (),
            labels,
            [
                series("Lead time (days)", lambda b: b.lead_days, "shipped"),
                series(
                    "Backordered units still open", lambda b: b.backorder_open, "backorder_open"
                ),
            ],
        ),
        Chart(
            "receiving",
            "Fill rate (received / ordered) and receiving accuracy (received / shipped)",
            "line",
            "%",
            (),
            labels,
            [
                series("Fill rate %", lambda b: b.fill_rate_pct, "not_filled"),
                series(
                    "Receiving accuracy %",
                    lambda b: b.receiving_accuracy_pct,
                    "received_not_shipped",
                ),
            ],
        ),
    ]
