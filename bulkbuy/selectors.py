"""Reads for the offer pages, the order page's Bulk Buy panel, and the PO delivery window
linking needs."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from amazon1p.importing.order_mapping import PARAM_DELIVERY_WINDOW
from amazon1p.spapi.parsing import parse_datetime
from bulkbuy.export import final_quantities
from bulkbuy.matching import DateWindow
from bulkbuy.models import Offer, OfferRow, OfferStatus, OrderLink, OrderLinkLine
from orders.models import Order, OrderParameter
from shops.models import Shop

# --- Offers list --------------------------------------------------------------------------

# The offers list's `status` filter: the stage an open offer waits in, or where it ended.
# "expired" and "expiring" are about time, not the stored status (nothing sets "expired":
# an offer not completed by its expiry is expired).
OPEN_STAGE_STATUSES = {
    "commerce": (OfferStatus.DRAFT, OfferStatus.COMMERCE),
    "manufacture": (OfferStatus.MANUFACTURE,),
    "warehouse": (OfferStatus.WAREHOUSE,),
}
STATUS_FILTERS = (
    ("commerce", "Commerce"),
    ("manufacture", "Manufacture"),
    ("warehouse", "Warehouse"),
    ("completed", "Completed"),
    ("expired", "Expired"),
    ("expiring", "Expiring soon"),
)


def offer_status_condition(status: str, *, now: datetime, expiring_days: int) -> Q:
    """The offers in one bucket of the offers list and the dashboard (see STATUS_FILTERS)."""
    still_open = ~Q(status__in=(OfferStatus.COMPLETED, OfferStatus.EXPIRED)) & Q(expires_at__gt=now)
    if status == "completed":
        return Q(status=OfferStatus.COMPLETED)
    if status == "expired":
        return Q(status=OfferStatus.EXPIRED) | (
            ~Q(status=OfferStatus.COMPLETED) & Q(expires_at__lte=now)
        )
    if status == "expiring":
        return still_open & Q(expires_at__lte=now + timedelta(days=expiring_days))
    return still_open & Q(status__in=OPEN_STAGE_STATUSES[status])


def offer_list(
    *, shop: Shop, status: str = "", now: datetime | None = None, expiring_days: int = 2
) -> QuerySet[Offer]:
    """The shop's offers, newest first, without their stored workbooks; `status` one of
    STATUS_FILTERS ("" = all)."""
    offers = Offer.objects.filter(shop=shop).defer("source_file").select_related("created_by")
    if status:
        offers = offers.filter(
            offer_status_condition(status, now=now or timezone.now(), expiring_days=expiring_days)
        )
    return offers


def offer_rows(*, offer: Offer) -> QuerySet[OfferRow]:
    return offer.rows.select_related("product").order_by("row_number")


# --- The PO's delivery window -------------------------------------------------------------


def delivery_window_parse(value: str) -> DateWindow | None:
    """Amazon's "start--end" ISO interval (as the import stores it in the DeliveryWindow
    parameter) as UTC dates; None when empty or not an interval (staff may edit it)."""
    start, sep, end = (value or "").partition("--")
    if not sep:
        return None
    try:
        first, last = parse_datetime(start.strip()), parse_datetime(end.strip())
    except ValueError:
        return None
    return DateWindow(first.date(), last.date()) if first <= last else None


def order_delivery_windows(order_ids: Iterable[int]) -> dict[int, DateWindow]:
    """The delivery window of each order that has a readable one (one query)."""
    values = OrderParameter.objects.filter(
        order_id__in=list(order_ids), key=PARAM_DELIVERY_WINDOW
    ).values_list("order_id", "value")
    windows = {order_id: delivery_window_parse(value) for order_id, value in values}
    return {order_id: window for order_id, window in windows.items() if window is not None}


def order_delivery_window(order: Order) -> DateWindow | None:
    return order_delivery_windows([order.pk]).get(order.pk)


# --- The offer's Orders tab ---------------------------------------------------------------


@dataclass(frozen=True)
class LinkedOrder:
    link: OrderLink
    window: DateWindow | None
    quantity: int
    value: Decimal


def offer_linked_orders(*, offer: Offer) -> list[LinkedOrder]:
    """The orders linked to the offer, by delivery stage then PO date (three queries)."""
    links = list(
        OrderLink.objects.filter(offer=offer)
        .select_related("order", "order__main_status", "linked_by")
        .annotate(
            taken=Sum("lines__quantity"),
            taken_value=Sum(F("lines__quantity") * F("lines__offer_row__unit_cost")),
        )
        .order_by("stage", "order__ordered_at", "order__pk")
    )
    windows = order_delivery_windows(link.order_id for link in links)
    return [
        LinkedOrder(
            link, windows.get(link.order_id), link.taken or 0, link.taken_value or Decimal(0)
        )
        for link in links
    ]


@dataclass(frozen=True)
class StageUsage:
    offered: int
    ordered: int

    @property
    def left(self) -> int:
        return max(self.offered - self.ordered, 0)

    @property
    def percent(self) -> int:
        return min(round(100 * self.ordered / self.offered), 100) if self.offered else 0


@dataclass(frozen=True)
class RowUsage:
    row: OfferRow
    stages: tuple[StageUsage | None, StageUsage | None]  # None: the row has no stage 2


def offer_row_usage(*, rows: Iterable[OfferRow]) -> list[RowUsage]:
    """Ordered (by linked orders) against offered (the final quantity) per delivery stage."""
    rows = list(rows)
    ordered = {
        (row_id, stage): total
        for row_id, stage, total in OrderLinkLine.objects.filter(offer_row__in=rows)
        .values("offer_row_id", "stage")
        .annotate(total=Sum("quantity"))
        .values_list("offer_row_id", "stage", "total")
    }
    usage = []
    for row in rows:
        first, second = final_quantities(row)
        usage.append(
            RowUsage(
                row,
                (
                    StageUsage(first, ordered.get((row.pk, 1), 0)),
                    None if second is None else StageUsage(second, ordered.get((row.pk, 2), 0)),
                ),
            )
        )
    return usage


def offer_approved_value(*, offer: Offer) -> Decimal:
    """The offer's value at the quantities decided so far: per delivery stage the latest
    stage's quantity (Warehouse's, else Manufacture's, else the offered one while nobody
    cut it), none for rows Commerce declined. After completion: what goes to Amazon."""
    latest = Coalesce("warehouse_qty1", "manufacture_qty1", "stage1_qty") + Coalesce(
        "warehouse_qty2", "manufacture_qty2", "stage2_qty", Value(0)
    )
    money = DecimalField(max_digits=20, decimal_places=4)
    total = offer.rows.aggregate(
        total=Sum(
            Case(
                When(approved=False, then=Value(Decimal(0))),
                default=F("unit_cost") * latest,
                output_field=money,
            ),
            default=Decimal(0),
        )
    )["total"]
    return total


def offer_linked_count(*, offer: Offer) -> int:
    return OrderLink.objects.filter(offer=offer).count()


# --- The order page's Bulk Buy panel ------------------------------------------------------


@dataclass(frozen=True)
class OrderBulkBuy:
    link: OrderLink | None
    window: DateWindow | None
    lines: dict[int, OrderLinkLine]  # by order row id
    offers: QuerySet[Offer]  # what "Link to offer" offers to choose from


def order_link_offers(*, order: Order) -> QuerySet[Offer]:
    """The choices for linking by hand: the shop's completed offers with a delivery stage
    that had not ended by the PO's date, newest first (years of offers stay out)."""
    ordered_on = order.ordered_at.astimezone(UTC).date()
    current = OfferRow.objects.filter(offer=OuterRef("pk")).filter(
        Q(stage1_to__gte=ordered_on) | Q(stage2_to__gte=ordered_on)
    )
    return (
        Offer.objects.filter(shop_id=order.shop_id, status=OfferStatus.COMPLETED)
        .filter(Exists(current))
        .defer("source_file")
        .order_by("-created_at", "-id")
    )


def order_bulk_buy(*, order: Order) -> OrderBulkBuy:
    """The panel's link: the order page reads the order's link with the order
    (bulkbuy/apps.py); its offer and who linked it are read here, for a linked order only."""
    link: OrderLink | None = None
    read = True
    if Order.offer_link.is_cached(order):
        link = getattr(order, "offer_link", None)  # None: cached as absent
        read = link is not None and link.offer_id is not None
    if read:
        link = (
            OrderLink.objects.filter(order=order)
            .select_related("offer", "linked_by")
            .defer("offer__source_file")
            .first()
        )
    lines = {}
    if link is not None and link.offer_id is not None:  # only a linked order has lines
        lines = {
            line.order_row_id: line
            for line in link.lines.select_related("offer_row").order_by("order_row__position")
        }
    # The window from the order's parameters: the order page has read them already.
    prefetch_related_objects([order], "parameters")
    window = next(
        (
            delivery_window_parse(parameter.value)
            for parameter in order.parameters.all()
            if parameter.key == PARAM_DELIVERY_WINDOW
        ),
        None,
    )
    return OrderBulkBuy(link, window, lines, order_link_offers(order=order))
