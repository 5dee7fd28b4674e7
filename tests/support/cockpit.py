"""Hand-made Amazon orders with known answers for the cockpit tests.

Rows are written directly (these tests are about what the roll-up makes of them, not how
the sync or the outboxes write them).
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from amazon1p.acknowledgements.models import Acknowledgement, AcknowledgementLine, AckStatus
from amazon1p.importing.models import AmazonPurchaseOrder
from asn.models import AsnSubmission, AsnType, GroupShipment, Shipment, ShipmentLine, Warehouse
from orders.models import Channel, OrderRow
from orders.services import CustomerInput, OrderInput, RowInput, order_create

DAY = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday


def amazon_order(shop, number: str, *, at: datetime, fc: str = "LEJ1", units=(10, 4)):
    """An Amazon order with one row per entry of `units` and its stored PO."""
    order = order_create(
        shop=shop,
        data=OrderInput(
            number=number,
            ordered_at=at,
            channel=Channel.AMAZON_1P,
            customer=CustomerInput(name=fc, address_line="", postal_code="", city="", country="DE"),
            rows=[
                RowInput(
                    asin=f"B00000000{i}",
                    sku=f"SKU-{i}",
                    title=f"Product {i}",
                    quantity=q,
                    unit_price=Decimal("10.00"),
                )
                for i, q in enumerate(units)
            ],
            parameters={},
        ),
    )
    AmazonPurchaseOrder.objects.create(
        shop=shop,
        po_number=number,
        order=order,
        state="Acknowledged",
        purchase_order_date=at,
        content_hash=number,
        raw={"purchaseOrderNumber": number, "orderDetails": {"shipToParty": {"partyId": fc}}},
    )
    return order


def acknowledge(order, *, at: datetime, lines, status=AckStatus.SUCCESS):
    """An acknowledgement at `at`; `lines` per row: (accepted, backordered, rejected, reason)."""
    ack = Acknowledgement.objects.create(
        shop=order.shop,
        order=order,
        purchase_order=order.amazon_po,
        acknowledgement_date=at,
        status=status,
        payload={},
    )
    for row, (accepted, backordered, rejected, reason) in zip(
        OrderRow.objects.filter(order=order).order_by("position"), lines, strict=True
    ):
        AcknowledgementLine.objects.create(
            acknowledgement=ack,
            row=row,
            item_sequence_number=str(row.position),
            accepted=accepted,
            backordered=backordered,
            rejected=rejected,
            rejection_reason=reason,
        )
    return ack


def ship(
    order,
    *,
    shipped_at: datetime,
    asn_at: datetime,
    quantities,
    status="success",
    replaced=False,
    code=None,
):
    """A group shipment of `order` (eaches per row) with an ASN submitted at `asn_at`."""
    warehouse, _ = Warehouse.objects.get_or_create(
        shop=order.shop,
        code="WH1",
        defaults={
            "name": "WH",
            "address_line": "x",
            "postal_code": "1",
            "city": "c",
            "country": "DE",
        },
    )
    group = GroupShipment.objects.create(
        shop=order.shop,
        code=code or f"G{order.number}",
        warehouse=warehouse,
        fc_code="LEJ1",
        shipped_at=shipped_at,
        status="submitted",
    )
    shipment = Shipment.objects.create(group=group, order=order)
    for row, quantity in zip(
        OrderRow.objects.filter(order=order).order_by("position"), quantities, strict=True
    ):
        if quantity:
            ShipmentLine.objects.create(shipment=shipment, row=row, quantity=quantity)
    AsnSubmission.objects.create(
        group=group,
        confirmation_type=AsnType.ORIGINAL,
        asn_number=group.code,
        payload={},
        status=status,
        submitted_at=asn_at,
    )
    if replaced:
        AsnSubmission.objects.create(
            group=group,
            confirmation_type=AsnType.REPLACE,
            asn_number=group.code,
            payload={},
            status="success",
            submitted_at=asn_at + timedelta(hours=1),
        )
    return group
