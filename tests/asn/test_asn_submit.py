"""Sending ASNs to the simulator with the real client: Original, Replace, a refused one, and
exactly once when a worker dies between the POST and storing the transaction id."""

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from amazon1p.models import AmazonConnection
from asn.models import AsnStatus, AsnSubmission, GroupShipmentStatus
from asn.outbox import RESEND_AFTER, asn_send
from asn.placement import place
from asn.preflight import preflight
from asn.shipments import (
    shipment_set_quantities,
)
from asn.submission import AsnRefused, asn_submit, group_shipment_reopen
from shops.models import Alert
from simulator import SimulatorConfig
from tests.support.amazon import vendor_client_for
from tests.support.asn import follow, packed_group

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=47, orders_per_day=80, transaction_delay=0.2, rate_limits=False)


@pytest.fixture
def api(sim):
    with vendor_client_for(sim) as client:
        yield client


def confirmations_at_amazon(sim, identifier: str) -> list[dict]:
    """Every version of `identifier` the simulator accepted (its control API)."""
    answer = httpx.get(f"{sim.base_url}/_simulator/shipment-confirmations", timeout=10)
    answer.raise_for_status()
    return [c for c in answer.json() if c["shipmentIdentifier"] == identifier]


def test_original_then_a_replace_that_ships_less(shop, shipped_order, admin_user, api, sim):
    group, shipment = packed_group(shop, shipped_order, admin_user)
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
    group, shipment = packed_group(shop, shipped_order, admin_user)
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
    group, _ = packed_group(shop, shipped_order, admin_user)
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
    group, _ = packed_group(shop, shipped_order, admin_user)
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
    group, _ = packed_group(shop, shipped_order, admin_user)
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
