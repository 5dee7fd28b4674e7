"""Sending ASNs to the simulator with the real client: Original, Replace, a refused one, and
exactly once when a worker dies between the POST and storing the transaction id."""

import time
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from amazon1p.acknowledgements.services import acknowledgement_request
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from asn.models import AsnStatus, AsnSubmission, GroupShipmentStatus, ShipmentType, Warehouse
from asn.outbox import RESEND_AFTER, asn_check, asn_send
from asn.placement import carton_add, pallet_add, place
from asn.preflight import preflight
from asn.shipments import (
    GroupShipmentData,
    group_shipment_create,
    shipment_add_order,
    shipment_set_quantities,
)
from asn.submission import AsnRefused, asn_submit, group_shipment_reopen
from shops.models import Alert
from tests.amazon1p_ack.conftest import deliver
from tests.amazon1p_sync.conftest import client_for, connect, days_ago

pytestmark = pytest.mark.django_db

BOL_COUNTER = iter(range(1, 10_000))
PREFIX_COUNTER = iter(range(10, 100))


@pytest.fixture(scope="module")
def sim():
    from simulator import SimulatorConfig, start_simulator

    config = SimulatorConfig(seed=47, orders_per_day=80, transaction_delay=0.2, rate_limits=False)
    with start_simulator(config) as running:
        yield running


@pytest.fixture
def api(sim):
    with client_for(sim) as client:
        yield client


USED: set[str] = set()  # POs acknowledged by an earlier test (the simulator remembers)


@pytest.fixture
def shipped_order(shop, sim, api, admin_user):
    """A New PO of the simulator, imported and acknowledged in full (Success)."""
    from amazon1p.importing.models import SyncKind, SyncStatus
    from amazon1p.importing.services import sync_run_request
    from amazon1p.importing.sync import sync_run_execute
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


def _group(shop, order, admin_user):
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


def confirmations_at_amazon(sim, identifier: str) -> list[dict]:
    """Every version of `identifier` the simulator accepted (its control API)."""
    answer = httpx.get(f"{sim.base_url}/_simulator/shipment-confirmations", timeout=10)
    answer.raise_for_status()
    return [c for c in answer.json() if c["shipmentIdentifier"] == identifier]


def test_original_then_a_replace_that_ships_less(shop, shipped_order, admin_user, api, sim):
    group, shipment = _group(shop, shipped_order, admin_user)
    sent = asn_submit(group=group, actor=admin_user)
    assert sent.confirmation_type == "Original"
    group.refresh_from_db()
    assert group.status == GroupShipmentStatus.SUBMITTED
    assert follow(sent, api).status == AsnStatus.SUCCESS
    group.refresh_from_db()
    assert group.status == GroupShipmentStatus.CONFIRMED
    assert len(confirmations_at_amazon(sim, group.bill_of_lading)) == 1

    group_shipment_reopen(group=group, actor=admin_user)
    group.refresh_from_db()
    line = shipment.lines.order_by("row__position").first()
    placed = line.placements.get()
    placed.quantity -= 1
    placed.save()
    shipment_set_quantities(
        shipment=shipment,
        quantities={line.pk: line.quantity - 1},
        revision=group.revision,
        actor=admin_user,
    )
    replace = asn_submit(group=group, actor=admin_user)
    assert replace.confirmation_type == "Replace"
    assert follow(replace, api).status == AsnStatus.SUCCESS


def test_a_replace_may_not_ship_more(shop, shipped_order, admin_user, api):
    group, shipment = _group(shop, shipped_order, admin_user)
    line = shipment.lines.order_by("row__position").first()
    line.placements.get().delete()
    group.refresh_from_db()
    shipment_set_quantities(
        shipment=shipment,
        quantities={line.pk: line.quantity - 1},
        revision=group.revision,
        actor=admin_user,
    )
    carton = group.containers.get(kind="carton")
    place(line=line, container=carton, quantity=line.quantity - 1, actor=admin_user)
    first = follow(asn_submit(group=group, actor=admin_user), api)
    assert first.status == AsnStatus.SUCCESS, first.errors
    group_shipment_reopen(group=group, actor=admin_user)
    group.refresh_from_db()
    shipment_set_quantities(
        shipment=shipment,
        quantities={line.pk: line.quantity},
        revision=group.revision,
        actor=admin_user,
    )
    place(line=line, container=carton, quantity=1, actor=admin_user)
    with pytest.raises(AsnRefused) as refused:
        asn_submit(group=group, actor=admin_user)
    assert any("may only reduce" in v.message for v in refused.value.violations)


def test_a_refused_asn_comes_back_with_amazons_reasons(shop, shipped_order, admin_user, api):
    group, _ = _group(shop, shipped_order, admin_user)
    sent = asn_submit(group=group, actor=admin_user)
    # What pre-flight would have caught, slipped in behind its back: a bad check digit.
    pallet = sent.payload["pallets"][0]["palletIdentifiers"][0]
    number = pallet["containerIdentificationNumber"]
    pallet["containerIdentificationNumber"] = number[:-1] + str((int(number[-1]) + 1) % 10)
    sent.save(update_fields=["payload"])
    done = follow(sent, api)
    assert done.status == AsnStatus.ERROR
    assert any("SSCC" in (e["message"] + e["details"]) for e in done.errors)
    group.refresh_from_db()
    assert group.status == GroupShipmentStatus.DRAFT  # back to packing, to fix and resend
    assert Alert.objects.filter(shop=shop, message__contains="refused the ASN").exists()
    assert preflight(group, AmazonConnection.objects.get(shop=shop)) == []


def test_exactly_once_when_the_worker_dies_after_the_post(
    shop, shipped_order, admin_user, api, sim
):
    group, _ = _group(shop, shipped_order, admin_user)
    sent = asn_submit(group=group, actor=admin_user)
    # The worker POSTed, then died before storing the transaction id.
    api.submit_shipment_confirmation_bodies([sent.payload])
    AsnSubmission.objects.filter(pk=sent.pk).update(
        status=AsnStatus.SENDING, attempts=1, send_started_at=timezone.now()
    )
    assert asn_send(sent.pk, api) == "check_later"  # too early to tell: nothing sent
    AsnSubmission.objects.filter(pk=sent.pk).update(
        send_started_at=timezone.now() - RESEND_AFTER - timedelta(seconds=1)
    )
    done = follow(sent, api)
    assert done.status == AsnStatus.SUCCESS
    assert done.attempts == 2
    assert len(confirmations_at_amazon(sim, group.bill_of_lading)) == 1


def test_two_workers_sending_one_asn_post_once(shop, shipped_order, admin_user, api, sim):
    group, _ = _group(shop, shipped_order, admin_user)
    sent = asn_submit(group=group, actor=admin_user)
    assert asn_send(sent.pk, api) == "check_later"
    assert asn_send(sent.pk, api) == "done"  # already SUBMITTED: nothing to send
    assert follow(sent, api).status == AsnStatus.SUCCESS
    posts = [
        r
        for r in sim.requests()
        if r.get("operation") == "SubmitShipmentConfirmations"
        and group.bill_of_lading in str(r.get("body"))
    ]
    assert len(posts) == 1
