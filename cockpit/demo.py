"""A few weeks of Amazon history for the demo shop, so its cockpit has something to show.

Orders, POs, acknowledgements, ASNs and Amazon's receipts are written directly with a fixed
random seed (the demo has no Amazon past to import), then rolled up. Safe to run again: a
shop that already has the history orders gets nothing new (the roll-up is rerun, which is
idempotent).

It is the past, and the simulator does not know these POs, so nothing in it waits for the
newcomer: every PO is acknowledged (late ones late, but before now), each order's status is
what the shop's default mapping makes of Amazon's state (Acknowledged, Completed once
received in full, Cancelled when all was rejected), the shortages Amazon reported were
alerted back then (the receiving sync raises no alert for them), and the shipments leave from
the demo's one warehouse (`asn.demo`), the one a new group shipment offers.
"""

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from amazon1p.acknowledgements.models import (
    Acknowledgement,
    AcknowledgementLine,
    AckOrigin,
    AckStatus,
    RejectionReason,
)
from amazon1p.connection.models import AmazonStatus
from amazon1p.connection.services import DEFAULT_MAPPINGS
from amazon1p.importing.models import AmazonPurchaseOrder
from asn.demo import asn_demo_warehouse
from asn.models import (
    AsnSubmission,
    AsnType,
    GroupShipment,
    GroupShipmentStatus,
    Shipment,
    ShipmentLine,
    Warehouse,
)
from cockpit.selectors import PERIODS
from cockpit.services import cockpit_rollup_range
from orders.models import Channel, Order, OrderRow
from orders.services import CustomerInput, OrderInput, RowInput, order_create
from receiving.models import LineReceipt, LineReceiptChange, OrderReceiving, ReceiveStatus
from shops.models import OrderStatus, PaymentStatus, Shop

PREFIX = "HIST"
FCS = ("LEJ1", "MUC3", "DTM2")
PRODUCTS = [
    ("B07KETTLE1", "4006381333931", "Kettle 1.7 l"),
    ("B07TOASTR2", "4006381333948", "Toaster 2 slots"),
    ("B07BLENDR3", "4006381333955", "Blender 600 W"),
    ("B07GRINDR4", "4006381333962", "Coffee grinder"),
]


# As many weeks as the cockpit shows: its charts are drawn from the first week to the last.
HISTORY_WEEKS = PERIODS["week"]


def cockpit_demo_history(
    *, shop: Shop, weeks: int = HISTORY_WEEKS, per_day: int = 5, seed: int = 7
) -> int:
    """Seed `weeks` weeks of Amazon POs with their acknowledgements and ASNs; returns how
    many orders it created (0 when the history is already there)."""
    today = timezone.localdate()
    first = today - timedelta(weeks=weeks)
    created = 0
    if not Order.objects.filter(shop=shop, number__startswith=PREFIX).exists():
        rng = random.Random(seed)
        with transaction.atomic():
            warehouse = asn_demo_warehouse(shop=shop)
            statuses = _Statuses(shop)
            day = first
            while day < today:
                for i in range(per_day):
                    _history_order(shop, warehouse, rng, day, i, statuses)
                    created += 1
                day += timedelta(days=1)
    cockpit_rollup_range(shop=shop, first=first, last=today)
    return created


class _Statuses:
    """The shop's order and payment statuses that its default Amazon mapping names (a shop
    whose statuses were renamed keeps the ones its orders were created with)."""

    def __init__(self, shop: Shop) -> None:
        self.main = {s.name: s for s in OrderStatus.objects.filter(shop=shop)}
        self.payment = {s.name: s for s in PaymentStatus.objects.filter(shop=shop)}

    def follow(self, order: Order, amazon_status: str) -> None:
        main_name, payment_name = DEFAULT_MAPPINGS[amazon_status]
        main, payment = self.main.get(main_name), self.payment.get(payment_name)
        values: dict[str, OrderStatus | PaymentStatus] = {}
        if main is not None:
            values["main_status"] = main
        if payment is not None:
            values["payment_status"] = payment
        if values:
            Order.objects.filter(pk=order.pk).update(**values)


def _history_order(
    shop: Shop,
    warehouse: Warehouse,
    rng: random.Random,
    day,
    i: int,
    statuses: _Statuses,
) -> None:
    at = timezone.make_aware(datetime.combine(day, time(6 + 2 * i, rng.randrange(60))))
    fc = rng.choice(FCS)
    number = f"{PREFIX}{day:%Y%m%d}{i}"
    picked = rng.sample(PRODUCTS, 2)
    order = order_create(
        shop=shop,
        data=OrderInput(
            number=number,
            ordered_at=at,
            channel=Channel.AMAZON_1P,
            external_reference=number,
            customer=CustomerInput(name=f"Amazon {fc}", country="DE"),
            rows=[
                RowInput(
                    asin=asin,
                    ean=ean,
                    title=title,
                    quantity=rng.choice((6, 12, 24)),
                    unit_price=Decimal("19.90"),
                )
                for asin, ean, title in picked
            ],
        ),
    )
    po = AmazonPurchaseOrder.objects.create(
        shop=shop,
        po_number=number,
        order=order,
        state="Acknowledged",
        purchase_order_date=at,
        content_hash=number,
        raw={"purchaseOrderNumber": number, "orderDetails": {"shipToParty": {"partyId": fc}}},
    )
    late = rng.random() < 0.12 + (0.15 if fc == "DTM2" else 0)  # one FC does worse
    acked_at = at + timedelta(hours=rng.uniform(25, 40) if late else rng.uniform(0.5, 20))
    # Every history PO is answered: the simulator does not know it, so one left to
    # acknowledge would only fail. The cockpit's pending and overdue POs are the simulator's.
    acked_at = min(acked_at, timezone.now() - timedelta(minutes=30))
    ack = Acknowledgement.objects.create(
        shop=shop,
        order=order,
        purchase_order=po,
        origin=AckOrigin.RULE,
        acknowledgement_date=acked_at,
        status=AckStatus.SUCCESS,
        payload={},
    )
    shipping = []
    for row in OrderRow.objects.filter(order=order):
        roll = rng.random()
        accepted, backordered, rejected, reason = row.quantity, 0, 0, ""
        if roll < 0.08:
            accepted, rejected = 0, row.quantity
            reason = rng.choice(list(RejectionReason))
        elif roll < 0.14:
            accepted, backordered = row.quantity // 2, row.quantity - row.quantity // 2
        AcknowledgementLine.objects.create(
            acknowledgement=ack,
            row=row,
            item_sequence_number=str(row.position),
            accepted=accepted,
            backordered=backordered,
            rejected=rejected,
            rejection_reason=reason,
        )
        if accepted:
            shipping.append((row, accepted))
    statuses.follow(order, AmazonStatus.ACKNOWLEDGED if shipping else AmazonStatus.REJECTED)
    shipped_at = at + timedelta(days=rng.uniform(2, 5))
    if not shipping or shipped_at > timezone.now():
        return
    group = GroupShipment.objects.create(
        shop=shop,
        code=f"ASN{number}",
        warehouse=warehouse,
        fc_code=fc,
        status=GroupShipmentStatus.CONFIRMED,
        shipped_at=shipped_at,
    )
    shipment = Shipment.objects.create(group=group, order=order)
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, row=row, quantity=q) for row, q in shipping
    )
    asn_late = rng.random() < 0.07
    AsnSubmission.objects.create(
        group=group,
        confirmation_type=AsnType.ORIGINAL,
        asn_number=group.code,
        payload={},
        status=AckStatus.ERROR if rng.random() < 0.04 else AckStatus.SUCCESS,
        submitted_at=shipped_at + timedelta(hours=rng.uniform(1, 6) if asn_late else -2),
    )
    received_at = shipped_at + timedelta(days=rng.uniform(2, 4))
    if received_at <= timezone.now():
        fully = _receive(shop, order, shipping, rng, received_at)
        statuses.follow(order, AmazonStatus.RECEIVED if fully else AmazonStatus.PARTIALLY_RECEIVED)


def _receive(shop: Shop, order: Order, shipping: list, rng: random.Random, at: datetime) -> bool:
    """What Amazon's PO status reports once the FC received the shipment: most lines in full,
    some short (closed as received), a few still partly received; as the receiving sync
    stores it (receipt, its history, the PO's completeness). A shortage counts as alerted
    when Amazon reported it. Returns whether the PO is fully received."""
    receipts = []
    for row, shipped in shipping:
        roll = rng.random()
        status, received = ReceiveStatus.RECEIVED, shipped
        if roll < 0.08:  # the FC counted fewer than the ASN said
            received = shipped - rng.randint(1, max(shipped // 2, 1))
        elif roll < 0.12:  # still being received
            status, received = ReceiveStatus.PARTIALLY_RECEIVED, shipped // 2
        receipts.append(
            LineReceipt(
                shop=shop,
                order=order,
                row=row,
                receive_status=status,
                received_quantity=received,
                last_receive_date=at,
                updated_at=at,
            )
        )
    LineReceipt.objects.bulk_create(receipts)
    LineReceiptChange.objects.bulk_create(
        LineReceiptChange(
            receipt=r,
            receive_status=r.receive_status,
            received_quantity=r.received_quantity,
            last_receive_date=at,
            recorded_at=at,
        )
        for r in receipts
    )
    fully = all(r.receive_status == ReceiveStatus.RECEIVED for r in receipts)
    short = any(
        r.received_quantity < shipped for r, (_, shipped) in zip(receipts, shipping, strict=True)
    )
    OrderReceiving.objects.create(
        shop=shop,
        order=order,
        fully_received=fully,
        checked_at=at,
        shortage_alerted_at=at if short else None,
    )
    return fully
