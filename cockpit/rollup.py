"""Rebuild the cockpit's roll-ups for one (shop, day) from orders, acknowledgements, ASNs and
receipts.

`rollup_day` is the only writer of OrderFact, DailyFc, DailyProduct and WeeklyFc. It deletes
the slice and inserts it again in one transaction under a per-(shop, day) advisory lock,
then sums the day's week again: run twice, concurrently or killed halfway, the slice ends
up as one run computed it. Every
definition it applies is in docs/metrics.md.
"""

import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Coalesce
from django.utils import timezone

from amazon1p.acknowledgements.deadlines import CHANGE_WINDOW, NEW_PO_WINDOW
from amazon1p.acknowledgements.models import (
    Acknowledgement,
    AcknowledgementLine,
    AckStatus,
    RejectionReason,
)
from amazon1p.connection.models import AmazonConnection
from asn.models import AsnStatus, AsnSubmission, AsnType, ShipmentLine
from cockpit.models import AckState, AsnState, DailyFc, DailyProduct, OrderFact, WeeklyFc
from cockpit.selectors import SUM_FIELDS, week_start
from cockpit.weekly import week_sums
from orders.models import Channel, Order, OrderRow
from receiving.models import LineReceipt, ReceiveStatus
from shops.models import Shop

REJECTION_COLUMNS: dict[str, str] = {
    RejectionReason.TEMPORARILY_UNAVAILABLE: "rejected_temporarily_unavailable",
    RejectionReason.INVALID_PRODUCT_IDENTIFIER: "rejected_invalid_product_identifier",
    RejectionReason.OBSOLETE_PRODUCT: "rejected_obsolete_product",
}
SENT_ASN = (AsnStatus.SUBMITTED, AsnStatus.SUCCESS, AsnStatus.ERROR)  # reached Amazon
ANSWERED_ASN = (AsnStatus.SUCCESS, AsnStatus.ERROR)
DEFAULT_GRACE_DAYS = 7  # as the receiving sync's shortage alert


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local calendar day as an aware [start, end) range."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass
class _Asn:
    sent_at: datetime | None = None
    shipped_at: datetime | None = None
    first_try: bool | None = None


def _lock(shop_id: int, day: date, what: str = "day") -> None:
    """Serialise rebuilds of one (shop, day) or (shop, week) until the transaction ends."""
    if connection.vendor != "postgresql":  # SQLite (the demo) writes one at a time anyway
        return
    key = zlib.crc32(f"cockpit:{shop_id}:{what}:{day.isoformat()}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7140, key - 2**31])


def _asn_by_order(day_orders: QuerySet) -> tuple[dict[int, _Asn], dict[int, int]]:
    """Per order: its first ASN that reached Amazon; per order row: eaches shipped under one.

    `day_orders` is a subquery (not a list of ids): a day holds thousands of orders, and
    sending their ids back and forth cost more than the join.
    """
    lines = list(  # through the rows' index: by shipment, PostgreSQL scans all shipments
        ShipmentLine.objects.filter(row__order__in=day_orders)
        .order_by()
        .values_list("shipment__order_id", "shipment__group_id", "row_id", "quantity")
    )
    groups: dict[int, list] = defaultdict(list)
    for sub in (
        AsnSubmission.objects.filter(group_id__in={line[1] for line in lines})
        .order_by("created_at", "pk")
        .values("group_id", "status", "confirmation_type", "submitted_at", "group__shipped_at")
    ):
        groups[sub["group_id"]].append(sub)
    per_group: dict[int, _Asn] = {}
    for group_id, subs in groups.items():
        sent = [s for s in subs if s["status"] in SENT_ASN and s["submitted_at"]]
        if not sent:
            continue
        first = sent[0]
        replaced = any(s["confirmation_type"] == AsnType.REPLACE for s in sent)
        per_group[group_id] = _Asn(
            sent_at=first["submitted_at"],
            shipped_at=first["group__shipped_at"],
            first_try=None
            if first["status"] not in ANSWERED_ASN
            else first["status"] == AsnStatus.SUCCESS and not replaced,
        )
    by_order: dict[int, _Asn] = {}
    shipped: dict[int, int] = defaultdict(int)
    for order_id, group_id, row_id, quantity in lines:
        asn = per_group.get(group_id)
        if asn is None:  # no ASN reached Amazon yet: not shipped as far as Amazon knows
            continue
        shipped[row_id] += quantity
        known = by_order.get(order_id)
        if known is None or (asn.sent_at and known.sent_at and asn.sent_at < known.sent_at):
            by_order[order_id] = asn
    return by_order, shipped


FACT_COLUMNS = [f.attname for f in OrderFact._meta.concrete_fields]


class _Fact(SimpleNamespace):
    """An OrderFact before it is written: thousands a day, and a model instance each cost a
    tenth of the roll-up (DailyProduct rows likewise). Unit counts start at zero."""

    def __init__(self, **values) -> None:
        counts = dict.fromkeys(
            (
                "units_ordered",
                "units_accepted",
                "units_backordered",
                "units_rejected",
                "units_shipped",
                "units_received",
            ),
            0,
        )
        super().__init__(**counts, backorder_open=0, receiving_counted=False, **values)


PRODUCT_COLUMNS = [
    f.attname for f in DailyProduct._meta.concrete_fields if not f.primary_key
]  # shop_id, day, fc_code, product, title, then the unit sums


def _insert(model, columns: list[str], rows: list) -> None:
    """Write `rows` (objects with `columns` as attributes) into `model`'s table: PostgreSQL's
    COPY (a day's thousands in one round trip, no model instances), else bulk_create
    (SQLite, the demo)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**{c: getattr(r, c) for c in columns}) for r in rows], batch_size=500
        )
        return
    names = ", ".join(f'"{model._meta.get_field(c).column}"' for c in columns)
    statement = f"COPY {model._meta.db_table} ({names}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([getattr(row, c) for c in columns])


def _deadline_state(due: datetime, answered: datetime | None, now: datetime) -> AckState:
    if answered is not None:
        return AckState.ON_TIME if answered <= due else AckState.LATE
    return AckState.OVERDUE if now > due else AckState.PENDING


# When a PO owes several answers, the worst state is the PO's.
_WORST_FIRST = (AckState.OVERDUE, AckState.LATE, AckState.PENDING, AckState.ON_TIME)


def ack_state(
    *, po_date: datetime, changed_at: datetime | None, ack_dates: list[datetime], now: datetime
) -> tuple[AckState, datetime]:
    """How a PO stands against Amazon's acknowledgement deadlines, and its last deadline.

    A new PO is owed an answer 24 h after its date, a PO Amazon changed one 48 h after the
    (latest) change, answered by the first successful acknowledgement dated at or after the
    change. As in amazon1p's deadline alerts, a change that arrives before the PO was
    answered and before its 24 h ran out replaces the first deadline. `ack_dates`: the PO's
    successful acknowledgements, oldest first (docs/metrics.md).
    """
    first = ack_dates[0] if ack_dates else None
    new_due = po_date + NEW_PO_WINDOW
    deadlines: list[tuple[datetime, datetime | None]] = [(new_due, first)]
    if changed_at is not None and changed_at > po_date:
        answer = next((at for at in ack_dates if at >= changed_at), None)
        change = (changed_at + CHANGE_WINDOW, answer)
        replaces = changed_at <= new_due and (first is None or first >= changed_at)
        deadlines = [change] if replaces else [*deadlines, change]
    states = {_deadline_state(due, answered, now) for due, answered in deadlines}
    return next(s for s in _WORST_FIRST if s in states), deadlines[-1][0]


def rollup_day(*, shop: Shop, day: date, now: datetime | None = None) -> int:
    """Recompute the shop's facts and daily sums for the POs dated `day`; returns the POs.

    Idempotency key (shop, day): the slice is read and replaced as a whole in one
    transaction, under an advisory lock, so overlapping runs queue rather than interleave.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock(shop.pk, day)
        pos = _rebuild(shop, day, now)
        _rebuild_week(shop, week_start(day))
        return pos


def _rebuild_week(shop: Shop, week: date) -> None:
    """Sum the week's daily rows into its WeeklyFc rows. Under a (shop, week) lock taken
    after the day's, so the days of one week rebuilt at once queue here, and the last one
    reads every other day as committed (READ COMMITTED reads afresh per statement)."""
    _lock(shop.pk, week, "week")
    daily = DailyFc.objects.filter(
        shop=shop, day__gte=week, day__lt=week + timedelta(weeks=1)
    ).values("fc_code", "ack_minutes", *SUM_FIELDS)
    sums = week_sums(daily, SUM_FIELDS)
    WeeklyFc.objects.filter(shop=shop, week=week).delete()
    WeeklyFc.objects.bulk_create(
        WeeklyFc(shop=shop, week=week, fc_code=fc, **entry) for fc, entry in sums.items()
    )


def _rebuild(shop: Shop, day: date, now: datetime) -> int:
    start, end = day_bounds(day)
    day_orders = Order.objects.filter(
        shop=shop, channel=Channel.AMAZON_1P, ordered_at__gte=start, ordered_at__lt=end
    )
    ids = day_orders.values("pk")  # a subquery wherever it is used
    # Each order with its PO's date (else the order's), change and ship-to FC: one query,
    # one timestamp to parse per order.
    orders = list(
        day_orders.order_by().values_list(
            "pk",
            Coalesce("amazon_po__purchase_order_date", "ordered_at"),
            "amazon_po__amazon_changed_at",
            KeyTextTransform(
                "partyId",
                KeyTransform("shipToParty", KeyTransform("orderDetails", "amazon_po__raw")),
            ),
        )
    )
    rows = list(  # unordered: the rows' default order would cost a sort
        OrderRow.objects.filter(order_id__in=ids)
        .order_by()
        .values("pk", "order_id", "quantity", "asin", "sku", "ean", "title")
    )
    latest_ack: dict[int, int] = {}
    ack_dates: dict[int, list[datetime]] = defaultdict(list)  # per order, oldest first
    for ack in (
        Acknowledgement.objects.filter(order_id__in=ids, status=AckStatus.SUCCESS)
        .order_by("acknowledgement_date", "pk")
        .values_list("pk", "order_id", "acknowledgement_date")
    ):
        latest_ack[ack[1]] = ack[0]
        ack_dates[ack[1]].append(ack[2])
    latest = set(latest_ack.values())
    lines = {
        line["row_id"]: line
        for line in AcknowledgementLine.objects.filter(
            acknowledgement__order__in=ids, acknowledgement__status=AckStatus.SUCCESS
        )
        .order_by()  # the lines' default order joins the rows to sort them
        .values(
            "acknowledgement_id",
            "row_id",
            "accepted",
            "backordered",
            "rejected",
            "rejection_reason",
        )
        if line["acknowledgement_id"] in latest
    }
    asns, shipped = _asn_by_order(ids)
    receipts = {  # row → (receive status, eaches received)
        row_id: (status, quantity)
        for row_id, status, quantity in LineReceipt.objects.filter(order_id__in=ids).values_list(
            "row_id", "receive_status", "received_quantity"
        )
    }
    grace = (
        AmazonConnection.objects.filter(shop=shop)
        .values_list("shortage_grace_days", flat=True)
        .first()
    )
    grace_cutoff = now - timedelta(days=DEFAULT_GRACE_DAYS if grace is None else grace)
    fully_received: dict[int, bool] = {}  # order → every shipped row reported RECEIVED

    facts: dict[int, _Fact] = {}
    for order_id, po_date, changed_at, fc in orders:
        answers = ack_dates.get(order_id, [])
        acked = answers[0] if answers else None
        state, due = ack_state(po_date=po_date, changed_at=changed_at, ack_dates=answers, now=now)
        asn = asns.get(order_id)
        asn_state = AsnState.NONE
        lead = None
        if asn and asn.sent_at:
            on_time = asn.shipped_at is None or asn.sent_at <= asn.shipped_at
            asn_state = AsnState.ON_TIME if on_time else AsnState.LATE
            if asn.shipped_at:
                lead = max(int((asn.shipped_at - po_date).total_seconds() // 3600), 0)
        facts[order_id] = _Fact(
            order_id=order_id,
            shop_id=shop.pk,
            day=day,
            fc_code=(fc or "")[:10],
            ack_due_at=due,
            acked_at=acked,
            ack_state=state,
            ack_minutes=max(int((acked - po_date).total_seconds() // 60), 0) if acked else None,
            asn_state=asn_state,
            asn_first_try=asn.first_try if asn else None,
            lead_hours=lead,
        )

    fcs: dict[str, DailyFc] = {}
    products: dict[tuple[str, str], SimpleNamespace] = {}  # DailyProduct rows to be
    for row in rows:
        fact = facts[row["order_id"]]
        line = lines.get(row["pk"])
        accepted = line["accepted"] if line else 0
        backordered = line["backordered"] if line else 0
        rejected = line["rejected"] if line else 0
        ships = shipped.get(row["pk"], 0)
        fact.units_ordered += row["quantity"]
        fact.units_shipped += ships
        status, received = receipts.get(row["pk"], (ReceiveStatus.NOT_RECEIVED, 0))
        fact.units_received += received
        if ships and status != ReceiveStatus.RECEIVED:
            fully_received[fact.order_id] = False
        else:
            fully_received.setdefault(fact.order_id, True)
        if line:  # units of unacknowledged rows are not yet answered either way
            fact.units_accepted += accepted
            fact.units_backordered += backordered
            fact.units_rejected += rejected
            fact.backorder_open += max(backordered - max(ships - accepted, 0), 0)
        daily = fcs.get(fact.fc_code) or fcs.setdefault(
            fact.fc_code, DailyFc(shop=shop, day=day, fc_code=fact.fc_code)
        )
        if line and rejected and line["rejection_reason"] in REJECTION_COLUMNS:
            column = REJECTION_COLUMNS[line["rejection_reason"]]
            setattr(daily, column, getattr(daily, column) + rejected)
        key = (row["asin"] or row["sku"] or row["ean"] or "(none)")[:64]
        product = products.get((fact.fc_code, key))
        if product is None:
            product = products[(fact.fc_code, key)] = SimpleNamespace(
                shop_id=shop.pk,
                day=day,
                fc_code=fact.fc_code,
                product=key,
                title=row["title"][:250],
                units_ordered=0,
                units_accepted=0,
                units_backordered=0,
                units_rejected=0,
                units_shipped=0,
            )
        product.units_ordered += row["quantity"]
        product.units_accepted += accepted
        product.units_backordered += backordered
        product.units_rejected += rejected
        product.units_shipped += ships

    for fact in facts.values():
        asn = asns.get(fact.order_id)
        if asn is not None and fact.units_shipped:
            departed = asn.shipped_at or asn.sent_at
            fact.receiving_counted = fully_received.get(fact.order_id, False) or (
                departed is not None and departed <= grace_cutoff
            )
        daily = fcs.get(fact.fc_code) or fcs.setdefault(
            fact.fc_code, DailyFc(shop=shop, day=day, fc_code=fact.fc_code)
        )
        daily.pos += 1
        daily.ack_on_time += fact.ack_state == AckState.ON_TIME
        daily.ack_late += fact.ack_state in (AckState.LATE, AckState.OVERDUE)
        daily.ack_pending += fact.ack_state == AckState.PENDING
        if fact.ack_minutes is not None:
            daily.ack_minutes.append(fact.ack_minutes)
        daily.units_ordered += fact.units_ordered
        daily.units_accepted += fact.units_accepted
        daily.units_backordered += fact.units_backordered
        daily.units_rejected += fact.units_rejected
        daily.backorder_open += fact.backorder_open
        daily.asn_on_time += fact.asn_state == AsnState.ON_TIME
        daily.asn_late += fact.asn_state == AsnState.LATE
        if fact.asn_first_try is not None:
            daily.asn_answered += 1
            daily.asn_first_try += fact.asn_first_try
        if fact.lead_hours is not None:
            daily.lead_hours_sum += fact.lead_hours
            daily.lead_count += 1
        if fact.receiving_counted:
            daily.received_ordered += fact.units_ordered
            daily.received_shipped += fact.units_shipped
            daily.units_received += fact.units_received

    # An order whose PO date moved (a changed PO) leaves its old day here too.
    OrderFact.objects.filter(shop=shop, day=day).delete()
    OrderFact.objects.filter(order_id__in=ids).delete()
    DailyFc.objects.filter(shop=shop, day=day).delete()
    DailyProduct.objects.filter(shop=shop, day=day).delete()
    _insert(OrderFact, FACT_COLUMNS, list(facts.values()))
    DailyFc.objects.bulk_create(fcs.values())
    _insert(DailyProduct, PRODUCT_COLUMNS, list(products.values()))
    return len(facts)
