"""The cockpit's charts as plain data: the template draws a table of each, and
static/cockpit/cockpit.js draws the same data with Chart.js (read from a JSON script tag)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from cockpit.selectors import TARGETS, Bucket, rejection_reasons
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
    target: float | None
    labels: list[str]
    series: list[Series]
    stacked: bool = False

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "unit": self.unit,
            "target": self.target,
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


def grid_url(shop: Shop, bucket: Bucket, fc: str | None, metric: str | None) -> str:
    query = {
        "channel": "amazon_1p",
        "date_from": bucket.start.isoformat() if bucket.start else "",
        "date_to": bucket.end.isoformat() if bucket.end else "",
    }
    if fc is not None:
        query["fc"] = fc or "-"
    if metric:
        query["metric"] = metric
    return f"{reverse('orders:order-list', args=[shop.pk])}?{urlencode(query)}"


def cockpit_charts(shop: Shop, periods: list[Bucket], fc: str | None) -> list[Chart]:
    labels = [b.key for b in periods]

    def series(label: str, attr, metric: str | None) -> Series:
        values = [attr(b) for b in periods]
        return Series(label, values, [grid_url(shop, b, fc, metric) for b in periods])

    reasons = [rejection_reasons(b) for b in periods]
    return [
        Chart(
            "ack",
            "Acknowledged on time",
            "line",
            "%",
            TARGETS["ack_on_time"],
            labels,
            [series("On time %", lambda b: b.ack_on_time_pct, "ack_late")],
        ),
        Chart(
            "ack_median",
            "Median time to acknowledge",
            "line",
            "h",
            None,
            labels,
            [series("Median hours", lambda b: b.ack_median_hours, "ack_on_time")],
        ),
        Chart(
            "confirmation",
            "Confirmation rate (units accepted / ordered)",
            "line",
            "%",
            TARGETS["confirmation"],
            labels,
            [series("Confirmed %", lambda b: b.confirmation_pct, "rejected")],
        ),
        Chart(
            "rejections",
            "Rejected units by reason",
            "bar",
            "units",
            None,
            labels,
            [
                Series(
                    reason_label,
                    [r[i][2] for r in reasons],
                    [grid_url(shop, b, fc, "rejected") for b in periods],
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
            TARGETS["asn_on_time"],
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
            None,
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
            None,
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
