"""Group-shipment fixtures: a shop connected for ASNs, a warehouse, and acknowledged orders
that ship to one FC (built in the database; the simulator tests start their own)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amazon1p.acknowledgements.models import Acknowledgement, AcknowledgementLine, AckStatus
from amazon1p.connection.fulfillment_centers import default_fulfillment_centers
from amazon1p.connection.models import AmazonConnection, FulfillmentCenter
from amazon1p.importing.models import AmazonPurchaseOrder
from asn.models import GroupShipment, ShipmentType, Warehouse
from asn.shipments import GroupShipmentData, group_shipment_create
from orders.models import Order
from tests.factories import make_order

FC = "LEJ1"
GS1_PREFIX = "4012345"  # 7 digits: 9-digit serial references


@pytest.fixture
def asn_connection(shop):
    connection = AmazonConnection.objects.create(
        shop=shop,
        enabled=True,
        vendor_code="VNDR1",
        export_shipments=True,
        gs1_company_prefix=GS1_PREFIX,
    )
    FulfillmentCenter.objects.bulk_create(default_fulfillment_centers(connection))
    return connection


@pytest.fixture
def warehouse(shop):
    return Warehouse.objects.create(
        shop=shop,
        code="WH1",
        name="Acme Kitchen warehouse",
        address_line="Industriestraße 5",
        postal_code="04109",
        city="Leipzig",
        country="DE",
    )


def acknowledged_order(
    shop, number: str, *, fc: str = FC, committed: dict[int, int] | None = None
) -> Order:
    """An Amazon order to `fc` with a successful acknowledgement: `committed` is row position
    → accepted eaches (default: everything ordered)."""
    order = make_order(shop, number)
    AmazonPurchaseOrder.objects.create(
        shop=shop,
        po_number=number,
        order=order,
        state="Acknowledged",
        content_hash=number,
        raw={"purchaseOrderNumber": number, "orderDetails": {"shipToParty": {"partyId": fc}}},
    )
    apo = AmazonPurchaseOrder.objects.get(shop=shop, po_number=number)
    ack = Acknowledgement.objects.create(
        shop=shop,
        order=order,
        purchase_order=apo,
        status=AckStatus.SUCCESS,
        acknowledgement_date=timezone.now(),
        payload={},
        finished_at=timezone.now(),
    )
    for row in order.rows.order_by("position"):
        accepted = (committed or {}).get(row.position, row.quantity)
        AcknowledgementLine.objects.create(
            acknowledgement=ack,
            row=row,
            item_sequence_number=f"{row.position:03d}",
            accepted=accepted,
            rejected=row.quantity - accepted,
        )
    return order


@pytest.fixture
def group(shop, warehouse, asn_connection, admin_user) -> GroupShipment:
    return group_shipment_create(
        shop=shop,
        data=GroupShipmentData(
            warehouse=warehouse,
            fc_code=FC,
            shipment_type=ShipmentType.LTL,
            carrier_scac="DHLX",
            bill_of_lading="BOL-20261126-1",
            shipped_at=timezone.now() - timedelta(hours=1),
        ),
        actor=admin_user,
    )
