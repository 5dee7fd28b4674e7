"""The offers pipeline on the shop dashboard: offers per stage (count and value), offers
expiring soon, and what linked POs took from completed offers. Reads only."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from amazon1p.connection.models import AmazonConnection
from bulkbuy.expiry import DEFAULT_ALERT_DAYS
from bulkbuy.models import Offer, OfferRow, OfferStatus, OrderLink, OrderLinkLine
from bulkbuy.selectors import offer_status_condition
from orders.models import Order, PurchaseType
from shops.models import Shop

PIPELINE = (
    ("commerce", "Commerce"),
    ("manufacture", "Manufacture"),
    ("warehouse", "Warehouse"),
    ("completed", "Completed"),
    ("expired", "Expired"),
)
EXPIRING_SHOWN = 10

Money = list[tuple[str, Decimal]]  # (currency, amount), one per currency in use


@dataclass(frozen=True)
class PipelineStage:
    key: str  # the offers list's status filter
    label: str
    count: int
    value: Money
    bar: int  # percent of the widest bar (the stage with most offers)


@dataclass(frozen=True)
class Pipeline:
    stages: list[PipelineStage]
    expiring_days: int
    expiring: list[Offer]
    expiring_count: int
    linked_orders: int
    linked_value: Money
    undefined_orders: int
    offered: int  # eaches: the final quantities of completed offers
    ordered: int  # eaches linked POs took from them
    fill: int = field(init=False)

    def __post_init__(self) -> None:
        fill = min(round(100 * self.ordered / self.offered), 100) if self.offered else 0
        object.__setattr__(self, "fill", fill)


def _money(rows) -> Money:
    return sorted((currency, amount or Decimal(0)) for currency, amount in rows)


def _expiring_days(shop: Shop) -> int:
    days = AmazonConnection.objects.filter(shop=shop).values_list(
        "offer_expiry_alert_days", flat=True
    )
    found = days.first()
    return DEFAULT_ALERT_DAYS if found is None else found


def offers_pipeline(*, shop: Shop, now: datetime | None = None) -> Pipeline:
    """The shop's pipeline (about a dozen small queries, whatever the number of offers)."""
    now = now or timezone.now()
    days = _expiring_days(shop)
    offers = Offer.objects.filter(shop=shop)
    # Every stage in one query: a count and a value per stage, grouped by currency.
    per_stage = {
        **{
            f"n_{key}": Count("pk", filter=offer_status_condition(key, now=now, expiring_days=days))
            for key, _ in PIPELINE
        },
        **{
            f"v_{key}": Sum(
                "value", filter=offer_status_condition(key, now=now, expiring_days=days)
            )
            for key, _ in PIPELINE
        },
    }
    grouped = offers.values("currency").annotate(**per_stage).order_by()
    rows: list[dict[str, Any]] = [dict(row) for row in grouped]
    counts = {key: sum(row[f"n_{key}"] for row in rows) for key, _ in PIPELINE}
    values = {
        key: _money((row["currency"], row[f"v_{key}"]) for row in rows if row[f"n_{key}"])
        for key, _ in PIPELINE
    }
    widest = max(counts.values()) or 1
    expiring: QuerySet[Offer] = (
        offers.filter(offer_status_condition("expiring", now=now, expiring_days=days))
        .defer("source_file")
        .order_by("expires_at", "pk")
    )
    offered = OfferRow.objects.filter(
        offer__shop=shop, offer__status=OfferStatus.COMPLETED, approved=True
    ).aggregate(
        total=Sum(Coalesce("warehouse_qty1", 0) + Coalesce("warehouse_qty2", 0), default=0)
    )["total"]
    lines = OrderLinkLine.objects.filter(link__offer__shop=shop)
    linked_value: dict[str, Decimal] = defaultdict(Decimal)
    ordered = 0
    for currency, quantity, value in (
        lines.values("offer_row__currency")
        .annotate(q=Sum("quantity"), v=Sum(F("quantity") * F("offer_row__unit_cost")))
        .values_list("offer_row__currency", "q", "v")
        .order_by()
    ):
        ordered += quantity
        linked_value[currency] += value
    return Pipeline(
        stages=[
            PipelineStage(key, label, counts[key], values[key], round(100 * counts[key] / widest))
            for key, label in PIPELINE
        ],
        expiring_days=days,
        expiring=list(expiring[:EXPIRING_SHOWN]),
        expiring_count=expiring.count(),
        linked_orders=OrderLink.objects.filter(offer__shop=shop).count(),
        linked_value=_money(linked_value.items()),
        undefined_orders=Order.objects.filter(
            shop=shop, purchase_type=PurchaseType.UNDEFINED
        ).count(),
        offered=offered,
        ordered=ordered,
    )
