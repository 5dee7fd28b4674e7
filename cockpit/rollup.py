"""Rebuild the cockpit's roll-ups for one (shop, day) from orders, acknowledgements, ASNs and
receipts.

`rollup_day` is the only writer of OrderFact, DailyFc and DailyProduct. It deletes the
slice and inserts it again in one transaction under a per-(shop, day) advisory lock: run
twice, concurrently or killed halfway, the slice ends up as one run computed it. Every
definition it applies is in docs/metrics.md.
"""

import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone

from amazon1p.acknowledgements.deadlines import NEW_PO_WINDOW
from amazon1p.acknowledgements.models import (
    Acknowledgement,
    AcknowledgementLine,
    AckStatus,
    RejectionReason,
)
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from asn.models import AsnStatus, AsnSubmission, AsnType, ShipmentLine
from cockpit.models import AckState, AsnState, DailyFc, DailyProduct, OrderFact
from orders.models import Channel, Order, OrderRow
from receiving.models import LineReceipt, ReceiveStatus
from shops.models import Shop

REJECTION_COLUMNS = {
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


def _lock(shop_id: int, day: date) -> None:
    """Serialise rebuilds of one (shop, day) until the transaction ends."""
    if connection.vendor != "postgresql":  # SQLite (the demo) writes one at a time anyway
        return
    key = zlib.crc32(f"cockpit:{shop_id}:{day.isoformat()}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7140, key - 2**31])


def _asn_by_order(day_orders: QuerySet) -> tuple[dict[int, _Asn], dict[int, int]]:
    """Per order: its first ASN that reached Amazon; per order row: eaches shipped under one.

    `day_orders` is a subquery (not a list of ids): a day holds thousands of orders, and
    sending their ids back and forth cost more than the join.
    """
    lines = list(
        ShipmentLine.objects.filter(shipment__order__in=day_orders).values_list(
            "shipment__order_id", "shipment__group_id", "row_id", "quantity"
        )
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
    tenth of the roll-up. Unit counts start at zero."""

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


def _facts_insert(facts: list[_Fact]) -> None:
    """Write the facts: PostgreSQL's COPY (a day's thousands in one round trip), else
    bulk_create (SQLite, the demo)."""
    if connection.vendor != "postgresql":
        OrderFact.objects.bulk_create(
            [OrderFact(**{c: getattr(f, c) for c in FACT_COLUMNS}) for f in facts]
        )
        return
    columns = ", ".join(f'"{OrderFact._meta.get_field(c).column}"' for c in FACT_COLUMNS)
    statement = f"COPY {OrderFact._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for fact in facts:
            copy.write_row([getattr(fact, c) for c in FACT_COLUMNS])


def rollup_day(*, shop: Shop, day: date, now: datetime | None = None) -> int:
    """Recompute the shop's facts and daily sums for the POs dated `day`; returns the POs.

    Idempotency key (shop, day): the slice is read and replaced as a whole in one
    transaction, under an advisory lock, so overlapping runs queue rather than interleave.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock(shop.pk, day)
        return _rebuild(shop, day, now)


def _rebuild(shop: Shop, day: date, now: datetime) -> int:
    start, end = day_bounds(day)
    day_orders = Order.objects.filter(
        shop=shop, channel=Channel.AMAZON_1P, ordered_at__gte=start, ordered_at__lt=end
    )
    orders = list(day_orders.values("pk", "ordered_at"))
    ids = day_orders.values("pk")  # a subquery wherever it is used
    pos = {
        po["order_id"]: po
        for po in AmazonPurchaseOrder.objects.filter(order__in=ids).values(
            "order_id", "purchase_order_date", fc=KT("raw__orderDetails__shipToParty__partyId")
        )
    }
    rows = list(
        OrderRow.objects.filter(order_id__in=ids).values(
            "pk", "order_id", "quantity", "asin", "sku", "ean", "title"
        )
    )
    first_ack: dict[int, datetime] = {}
    latest_ack: dict[int, int] = {}
    for ack in (
        Acknowledgement.objects.filter(order_id__in=ids, status=AckStatus.SUCCESS)
        .order_by("acknowledgement_date", "pk")
        .values("pk", "order_id", "acknowledgement_date")
    ):
        first_ack.setdefault(ack["order_id"], ack["acknowledgement_date"])
        latest_ack[ack["order_id"]] = ack["pk"]
    latest = set(latest_ack.values())
    lines = {
        line["row_id"]: line
        for line in AcknowledgementLine.objects.filter(
            acknowledgement__order__in=ids, acknowledgement__status=AckStatus.SUCCESS
        ).values(
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

    facts: dict[int, OrderFact] = {}
    for o in orders:
        po = pos.get(o["pk"], {})
        po_date = po.get("purchase_order_date") or o["ordered_at"]
        due = po_date + NEW_PO_WINDOW
        acked = first_ack.get(o["pk"])
        if acked is not None:
            state = AckState.ON_TIME if acked <= due else AckState.LATE
        else:
            state = AckState.OVERDUE if now > due else AckState.PENDING
        asn = asns.get(o["pk"])
        asn_state = AsnState.NONE
        lead = None
        if asn and asn.sent_at:
            on_time = asn.shipped_at is None or asn.sent_at <= asn.shipped_at
            asn_state = AsnState.ON_TIME if on_time else AsnState.LATE
            if asn.shipped_at:
                lead = max(int((asn.shipped_at - po_date).total_seconds() // 3600), 0)
        facts[o["pk"]] = _Fact(
            order_id=o["pk"],
            shop_id=shop.pk,
            day=day,
            fc_code=(po.get("fc") or "")[:10],
            ack_due_at=due,
            acked_at=acked,
            ack_state=state,
            ack_minutes=max(int((acked - po_date).total_seconds() // 60), 0) if acked else None,
            asn_state=asn_state,
            asn_first_try=asn.first_try if asn else None,
            lead_hours=lead,
        )

    fcs: dict[str, DailyFc] = {}
    products: dict[tuple[str, str], DailyProduct] = {}  # hundreds a day: models are fine
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
            product = products[(fact.fc_code, key)] = DailyProduct(
                shop=shop, day=day, fc_code=fact.fc_code, product=key, title=row["title"][:250]
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
    _facts_insert(list(facts.values()))
    DailyFc.objects.bulk_create(fcs.values())
    DailyProduct.objects.bulk_create(products.values(), batch_size=2000)
    return len(facts)
