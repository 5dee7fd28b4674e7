"""Reads for the order pages.

The grid pages with a keyset on (ordered_at, id) instead of OFFSET and never counts the
whole result: on a shop with a million orders both would scan most of the table.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone

from orders.grid_filters import GRID_FILTERS
from orders.models import CreditRow, Order, OrderRow
from shops.models import Alert, AlertItem, AuditEntry, OrderStatus, PaymentStatus, Shop


@dataclass(frozen=True)
class OrderGridFilters:
    main_status: OrderStatus | None = None
    payment_status: PaymentStatus | None = None
    purchase_type: str | None = None
    channel: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    search: str = ""
    product: str = ""  # an ASIN, EAN or SKU: the orders with a row of it
    acknowledgement_due: bool = False  # Amazon POs still owed an acknowledgement
    alert: Alert | None = None  # the orders a grouped alert stands for
    # Filters registered by higher apps (orders.grid_filters): ((name, value), ...).
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Cursor:
    ordered_at: datetime
    pk: int

    def encode(self) -> str:
        return f"{self.ordered_at.isoformat()}_{self.pk}"

    @classmethod
    def decode(cls, raw: str) -> "Cursor | None":
        """Parse a cursor from the URL; a mangled one means "first page", never an error."""
        stamp, _, pk = raw.rpartition("_")
        try:
            parsed = datetime.fromisoformat(stamp)
            return cls(parsed if parsed.tzinfo else timezone.make_aware(parsed), int(pk))
        except ValueError:
            return None


@dataclass(frozen=True)
class OrderGridPage:
    orders: list[Order]
    newer: Cursor | None  # cursor for the page before (newer orders), if any
    older: Cursor | None  # cursor for the page after (older orders), if any


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def order_grid_queryset(
    *, shop: Shop, filters: OrderGridFilters, product_orders: list[int] | None = None
) -> QuerySet[Order]:
    """The grid's orders; `product_orders`, when given, are the IDs of every order with a row
    of `filters.product` (`product_order_ids`), which then replace the rows' EXISTS probe."""
    orders = Order.objects.filter(shop=shop)
    if filters.main_status:
        orders = orders.filter(main_status=filters.main_status)
    if filters.payment_status:
        orders = orders.filter(payment_status=filters.payment_status)
    if filters.purchase_type is not None:
        orders = orders.filter(purchase_type=filters.purchase_type)
    if filters.channel:
        orders = orders.filter(channel=filters.channel)
    if filters.date_from:
        orders = orders.filter(ordered_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        orders = orders.filter(ordered_at__lt=_day_start(filters.date_to + timedelta(days=1)))
    if filters.search:
        orders = orders.filter(search_condition(filters.search))
    if filters.product and product_orders is not None:
        orders = orders.filter(pk__in=product_orders)
    elif filters.product:
        orders = orders.filter(product_condition(filters.product))
    if filters.acknowledgement_due:  # few rows, found through a partial index on the PO
        orders = orders.filter(amazon_po__ack_due_at__isnull=False)
    if filters.alert is not None:
        orders = orders.filter(
            pk__in=AlertItem.objects.filter(alert=filters.alert).values("object_id")
        )
    for name, value in filters.extra:
        extra = GRID_FILTERS[name]
        if filters.product and extra.product_condition is not None:
            orders = orders.filter(extra.product_condition(shop, value, filters.product))
        else:
            orders = orders.filter(extra.condition(shop, value))
    return orders


def search_condition(term: str) -> Q:
    """Number prefix, or the exact external reference (Amazon's PO number on other channels)."""
    term = term.strip()
    return Q(number__startswith=term) | Q(external_reference=term)


def product_row_condition(product: str, prefix: str = "") -> Q:
    """An order row (through `prefix`, e.g. "row__") whose ASIN, EAN or SKU is `product`."""
    product = product.strip()
    return (
        Q(**{f"{prefix}asin": product})
        | Q(**{f"{prefix}ean": product})
        | Q(**{f"{prefix}sku": product})
    )


def product_condition(product: str) -> Q:
    """Orders with a row whose ASIN, EAN or SKU is `product` (the cockpit's product key is
    the ASIN, else the SKU, else the EAN). A correlated EXISTS: the grid walks its
    (shop, ordered_at) index newest first and probes each order's rows through their
    (order, position) index. The grid uses it for a common product only: a rare one's
    orders are named by ID (`product_order_ids`)."""
    return Q(
        Exists(
            OrderRow.objects.filter(order_id=OuterRef("pk")).filter(product_row_condition(product))
        )
    )


GRID_RELATED = ("main_status", "payment_status")
# What a grid row shows (orders/grid_rows.py): the rest of an order (its parties as JSON, the
# address fields) is not read, decoded or kept for 50 rows per page.
GRID_COLUMNS = (
    "shop_id",
    "number",
    "external_reference",
    "ordered_at",
    "customer_name",
    "customer_first_name",
    "customer_last_name",
    "channel",
    "purchase_type",
    "currency",
    "main_status__name",
    "main_status__base_status",
    "payment_status__name",
    "payment_status__base_status",
)
# How many of the newest grid rows a search looks through before it changes strategy.
SEARCH_PROBE_ROWS = 20_000
# Orders of a product up to which the grid names them by ID and sorts them, rather than
# walking the grid index (see `product_order_ids`).
PRODUCT_PROBE_ORDERS = 10_000


def order_grid_page(
    *,
    shop: Shop,
    filters: OrderGridFilters,
    after: Cursor | None = None,
    before: Cursor | None = None,
    page_size: int = 50,
) -> OrderGridPage:
    """One page of the grid, newest first, after (older than) or before (newer than) a cursor.

    The redundant `ordered_at <= t` bound lets PostgreSQL range-scan the grid index instead
    of evaluating the OR for every row.
    """
    # A rare product's orders are few: gather them by ID and sort those (see
    # `product_order_ids`); a search keeps its own strategy.
    product_orders = (
        product_order_ids(filters.product) if filters.product and not filters.search else None
    )
    orders = order_grid_queryset(
        shop=shop, filters=replace(filters, search=""), product_orders=product_orders
    )
    ascending = before is not None
    if before is not None:
        orders = orders.filter(ordered_at__gte=before.ordered_at).filter(
            Q(ordered_at__gt=before.ordered_at) | Q(pk__gt=before.pk)
        )
    elif after is not None:
        orders = orders.filter(ordered_at__lte=after.ordered_at).filter(
            Q(ordered_at__lt=after.ordered_at) | Q(pk__lt=after.pk)
        )
    order = ("ordered_at", "pk") if ascending else ("-ordered_at", "-pk")
    limit = page_size + 1
    if filters.search:
        rows = _search_rows(orders, search_condition(filters.search), order, limit, ascending)
    elif product_orders is not None:
        rows = list(
            orders.select_related(*GRID_RELATED)
            .only(*GRID_COLUMNS)
            .order_by(*_unindexed(order, ascending))[:limit]
        )
    else:
        rows = list(
            orders.select_related(*GRID_RELATED).only(*GRID_COLUMNS).order_by(*order)[:limit]
        )
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    if ascending:
        rows.reverse()
        has_newer, has_older = has_more, True
    else:
        has_newer, has_older = after is not None, has_more
    if not rows:
        return OrderGridPage(orders=[], newer=None, older=None)
    _attach_totals(rows)
    return OrderGridPage(
        orders=rows,
        newer=Cursor(rows[0].ordered_at, rows[0].pk) if has_newer else None,
        older=Cursor(rows[-1].ordered_at, rows[-1].pk) if has_older else None,
    )


def _search_rows(
    orders: QuerySet[Order], condition: Q, order: tuple[str, str], limit: int, ascending: bool
) -> list[Order]:
    """The first `limit` rows of `orders` matching a number search, in grid order.

    Most searches name one order (a full number or Amazon's PO number) or a few: the number
    and reference indexes find every match at once, and those few are sorted. Only a search
    with more than a page of matches takes the grid's own order into account:

    Order numbers grow with time, so a prefix often matches only old orders; walking the grid
    index from the newest row would then read most of the shop. So: look for the matches
    among the newest SEARCH_PROBE_ROWS rows first (cheap, index-bounded); if they do not fill
    the page, the matches are sparse, and we let PostgreSQL gather them through the number
    and reference indexes and sort just those (the expression hides the grid index from the
    planner, which would otherwise walk it again).
    """
    matches = orders.filter(condition)
    # In no order: PostgreSQL stops at limit + 1 matches, wherever its indexes find them.
    few = list(matches.order_by().values_list("pk", flat=True)[: limit + 1])
    if len(few) <= limit:  # every match: sort just those
        return list(
            Order.objects.filter(pk__in=few)
            .select_related(*GRID_RELATED)
            .only(*GRID_COLUMNS)
            .order_by(*order)
        )
    boundary = list(
        orders.order_by(*order).values_list("ordered_at", flat=True)[
            SEARCH_PROBE_ROWS - 1 : SEARCH_PROBE_ROWS
        ]
    )
    if not boundary:  # a small result: the plain query is cheap
        return list(
            matches.select_related(*GRID_RELATED).only(*GRID_COLUMNS).order_by(*order)[:limit]
        )
    within = "ordered_at__lte" if ascending else "ordered_at__gte"
    rows = list(
        matches.filter(**{within: boundary[0]})
        .select_related(*GRID_RELATED)
        .only(*GRID_COLUMNS)
        .order_by(*order)[:limit]
    )
    if len(rows) == limit:
        return rows
    ids = list(matches.order_by(*_unindexed(order, ascending)).values_list("pk", flat=True)[:limit])
    return list(
        Order.objects.filter(pk__in=ids)
        .select_related(*GRID_RELATED)
        .only(*GRID_COLUMNS)
        .order_by(*order)
    )


def _unindexed(order: tuple[str, str], ascending: bool) -> tuple[OrderBy, str]:
    """The grid order on an expression that hides the grid index from the planner: it then
    gathers the few matches through their own index and sorts just those, instead of walking
    the grid index from the newest row in the hope of meeting them early."""
    stamp = ExpressionWrapper(F("ordered_at") + Value(timedelta(0)), output_field=DateTimeField())
    return (stamp.asc() if ascending else stamp.desc()), order[1]


def product_order_ids(product: str) -> list[int] | None:
    """The IDs of the orders (of any shop) with a row whose ASIN, EAN or SKU is `product`,
    read through the rows' partial product indexes; None when more than
    PRODUCT_PROBE_ORDERS orders have it.

    PostgreSQL guesses a product's share of the orders from the column statistics: for a
    product outside them (rare, or in no order at all) it assumes thousands and walks the
    grid index newest first, probing each order's rows, so a product with no order in the
    range reads all of it (2 s at a million orders); and it prefers scanning every order of
    the shop to a few thousand primary-key lookups. A rare product's orders are therefore
    named by ID and sorted; a common product's come early in the walk.
    """
    ids = list(
        OrderRow.objects.filter(product_row_condition(product))
        .order_by()
        .values_list("order_id", flat=True)
        .distinct()[: PRODUCT_PROBE_ORDERS + 1]
    )
    return ids if len(ids) <= PRODUCT_PROBE_ORDERS else None


def _attach_totals(orders: list[Order]) -> None:
    """Set `grid_total` on each order with one grouped query over just this page's rows."""
    # Rows priced per weight unit or not priced have no total yet: the order's is then an
    # estimate of the rest (`grid_total_estimated`).
    uncertain = ~Q(price_unit="") | Q(unit_price__isnull=True)
    totals = {
        order_id: (total, estimated)
        for order_id, total, estimated in OrderRow.objects.filter(
            order_id__in=[o.pk for o in orders]
        )
        .values("order_id")
        .annotate(
            total=Sum(F("quantity") * F("unit_price"), filter=~uncertain),
            estimated=Count("id", filter=uncertain),
        )
        .values_list("order_id", "total", "estimated")
    }
    for order in orders:
        total, estimated = totals.get(order.pk, (None, 0))
        order.grid_total = total or Decimal(0)  # type: ignore[attr-defined]
        order.grid_total_estimated = bool(estimated)  # type: ignore[attr-defined]


def order_detail_queryset(shop: Shop, *, related: Sequence[str] = ()) -> QuerySet[Order]:
    """The shop's orders with what the order page shows of each, in four queries: the order
    with its statuses (and the one-to-one `related` rows the page's panels read:
    orders.panels), its rows with their VAT tariff, the rows' credit rows with reason and
    author (each credit row knows its row), and the parameters."""
    return (
        Order.objects.filter(shop=shop)
        .select_related("main_status", "payment_status", "payment_type", *related)
        .prefetch_related(
            Prefetch("rows", queryset=OrderRow.objects.select_related("vat_tariff")),
            Prefetch(
                "rows__credit_rows",
                queryset=CreditRow.objects.select_related("reason", "created_by"),
            ),
            "parameters",
        )
    )


def order_detail(*, shop: Shop, pk: int, related: Sequence[str] = ()) -> Order:
    order = order_detail_queryset(shop, related=related).get(pk=pk)
    order.shop = shop  # the page reads it; the caller has it already
    return order


def order_alerts(*, order: Order) -> QuerySet[Alert]:
    """Alerts hung on the order, and grouped alerts that count it among their orders."""
    order_type = ContentType.objects.get_for_model(Order)
    return Alert.objects.select_related("target_type", "item_type").filter(
        Q(target_type=order_type, target_id=str(order.pk))
        | Q(
            item_type=order_type,
            pk__in=AlertItem.objects.filter(object_id=order.pk).values("alert_id"),
        ),
        shop_id=order.shop_id,
    )


def order_history(*, order: Order) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        shop_id=order.shop_id, target_type=Order._meta.label_lower, target_id=str(order.pk)
    ).select_related("actor")
