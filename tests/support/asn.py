"""Group-shipment fixtures: a shop connected for ASNs, a warehouse, acknowledged orders that
ship to one FC (built in the database), and an order imported from the simulator, acknowledged
and ready to ship (with `sim` and a vendor-client `api` from the requesting folder)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from amazon1p.acknowledgements.services import acknowledgement_request
from amazon1p.connection.fulfillment_centers import default_fulfillment_centers
from amazon1p.models import (
    Acknowledgement,
    AcknowledgementLine,
    AckStatus,
    AmazonConnection,
    AmazonPurchaseOrder,
    FulfillmentCenter,
)
from asn.models import (
    AsnSubmission,
    GroupShipment,
    ShipmentType,
    Warehouse,
)
from asn.outbox import asn_check, asn_send
from asn.placement import carton_add, pallet_add, place
from asn.shipments import (
    GroupShipmentData,
    group_shipment_create,
    shipment_add_order,
)
from orders.models import Order
from tests.support.acknowledgements import deliver
from tests.support.amazon import connect, days_ago
from tests.support.factories import make_order

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
    shop, number: str, *, fc: str = FC, committed: dict[int, int] | None = None, rows=None
) -> Order:
    """An Amazon order to `fc` with a successful acknowledgement: `committed` is row position
    → accepted eaches (default: everything ordered); `rows` as `make_order` takes them."""
    order = make_order(shop, number, rows=rows)
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


BOL_COUNTER = iter(range(1, 10_000))


PREFIX_COUNTER = iter(range(10, 100))


USED: set[str] = set()  # POs acknowledged by an earlier test (the simulator remembers)


@pytest.fixture
def shipped_order(shop, sim, api, admin_user):
    """A New PO of the simulator, imported and acknowledged in full (Success)."""
    from amazon1p.importing.services import sync_run_request
    from amazon1p.importing.sync import sync_run_execute
    from amazon1p.models import SyncKind, SyncStatus
    from shops.models import OrderStatus

    connection = connect(shop, sim)
    connection.acknowledge_orders = True
    connection.export_shipments = True
    # Each test its own prefix: the database forgets our SSCCs between tests, the simulator
    # does not (and rightly refuses an SSCC reused within a year).
    connection.gs1_company_prefix = f"40123{next(PREFIX_COUNTER):02d}"
    connection.save()
    connection.acknowledgeable_statuses.set(OrderStatus.objects.filter(shop=shop))
    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=days_ago(1), range_to=days_ago(0), enqueue=False
    )
    assert sync_run_execute(run_id=run.pk, client=api).status == SyncStatus.SUCCEEDED
    apo = (
        AmazonPurchaseOrder.objects.filter(shop=shop, state="New")
        .exclude(po_number__in=USED)
        .order_by("po_number")
        .first()
    )
    USED.add(apo.po_number)
    ack = acknowledgement_request(actor=admin_user, order=apo.order)
    assert deliver(ack, api).status == "success"
    return apo.order


def packed_group(shop, order, admin_user):
    """`order` packed in full into a new group shipment to its FC (first line in a carton,
    the rest on the pallet); returns the group and the order's shipment."""
    fc = AmazonPurchaseOrder.objects.get(order=order).raw["orderDetails"]["shipToParty"]["partyId"]
    warehouse = Warehouse.objects.create(
        shop=shop,
        code="WH1",
        name="Main warehouse",
        address_line="Industriestraße 5",
        postal_code="04109",
        city="Leipzig",
        country="DE",
    )
    group = group_shipment_create(
        shop=shop,
        data=GroupShipmentData(
            warehouse=warehouse,
            fc_code=fc,
            shipment_type=ShipmentType.LTL,
            carrier_scac="DHLX",
            bill_of_lading=f"BOL-{time.time_ns()}-{next(BOL_COUNTER)}",
            shipped_at=timezone.now() - timedelta(hours=1),
        ),
        actor=admin_user,
    )
    shipment = shipment_add_order(group=group, order=order, actor=admin_user)
    pallet = pallet_add(group=group, actor=admin_user)
    carton = carton_add(group=group, pallet=pallet, actor=admin_user)
    for index, line in enumerate(shipment.lines.order_by("row__position")):
        place(
            line=line,
            container=carton if index == 0 else pallet,
            quantity=line.quantity,
            actor=admin_user,
        )
    group.refresh_from_db()
    return group, shipment


def follow(submission: AsnSubmission, client, seconds: float = 15) -> AsnSubmission:
    """Run the outbox as the tasks would, until the simulator decides."""
    asn_send(submission.pk, client)
    deadline = time.monotonic() + seconds
    while True:
        submission.refresh_from_db()
        if not submission.in_flight:
            return submission
        assert time.monotonic() < deadline, f"ASN still {submission.status}"
        time.sleep(0.1)
        asn_check(submission.pk, client)
