"""Group shipments: which orders and quantities may ship, packing rules, SSCCs, the ASN body
and the pre-flight check (database only; sending is in test_asn_submit.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from asn.building import shipment_confirmation_json_for_group
from asn.gs1 import check_digit
from asn.models import (
    AsnType,
    Container,
    GroupShipmentStatus,
    Placement,
    ShipmentType,
    SsccRecord,
)
from asn.placement import (
    PlacementError,
    carton_add,
    container_remove,
    move,
    pallet_add,
    place,
    unplace,
    unplaced_lines,
)
from asn.preflight import preflight
from asn.shipments import (
    ShipmentError,
    candidate_orders,
    shipment_add_order,
    shipment_set_quantities,
)
from asn.sscc import SsccError, sscc_allocate, sscc_supplied
from asn.submission import AsnRefused, asn_submit
from simulator.validation import schema_errors
from tests.support.asn import GS1_PREFIX, acknowledged_order

pytestmark = pytest.mark.django_db


def _valid(sscc: str) -> bool:
    return len(sscc) == 18 and int(sscc[-1]) == check_digit(sscc[:-1])


def _packed(group, admin_user, order):
    """Everything of `order` on one pallet: row 1 in a carton, row 2 loose."""
    shipment = shipment_add_order(group=group, order=order, actor=admin_user)
    pallet = pallet_add(group=group, actor=admin_user)
    carton = carton_add(group=group, pallet=pallet, actor=admin_user)
    first, second = shipment.lines.order_by("row__position")
    place(line=first, container=carton, quantity=first.quantity, actor=admin_user)
    place(line=second, container=pallet, quantity=second.quantity, actor=admin_user)
    return shipment, pallet, carton


# --- orders and quantities --------------------------------------------------------------------


def test_an_order_ships_what_amazon_accepted(group, shop, admin_user):
    order = acknowledged_order(shop, "PO-A1", committed={1: 10, 2: 6})
    shipment = shipment_add_order(group=group, order=order, actor=admin_user)
    assert {line.row.position: line.quantity for line in shipment.lines.all()} == {1: 10, 2: 6}
    assert group.revision == 1
    group.refresh_from_db()
    assert group.revision == 2


def test_an_order_to_another_fc_is_refused(group, shop, admin_user):
    order = acknowledged_order(shop, "PO-A2", fc="WRO5")
    with pytest.raises(ShipmentError, match=r"ships to WRO5.*one FC"):
        shipment_add_order(group=group, order=order, actor=admin_user)


def test_an_order_without_successful_acknowledgement_is_refused(group, shop, admin_user):
    order = acknowledged_order(shop, "PO-A3")
    order.acknowledgements.update(status="error")
    with pytest.raises(ShipmentError, match="nothing left to ship"):
        shipment_add_order(group=group, order=order, actor=admin_user)
    assert candidate_orders(group) == []


def test_quantities_cannot_exceed_what_is_left(group, shop, admin_user):
    order = acknowledged_order(shop, "PO-A4", committed={1: 10, 2: 6})
    shipment = shipment_add_order(group=group, order=order, actor=admin_user)
    first = shipment.lines.get(row__position=1)
    group.refresh_from_db()
    with pytest.raises(ShipmentError, match="more than the 10 accepted"):
        shipment_set_quantities(
            shipment=shipment, quantities={first.pk: 11}, revision=group.revision, actor=admin_user
        )
    shipment_set_quantities(
        shipment=shipment, quantities={first.pk: 4}, revision=group.revision, actor=admin_user
    )
    first.refresh_from_db()
    assert first.quantity == 4


def test_a_stale_quantity_form_is_refused(group, shop, admin_user):
    order = acknowledged_order(shop, "PO-A5")
    shipment = shipment_add_order(group=group, order=order, actor=admin_user)
    line = shipment.lines.first()
    with pytest.raises(ShipmentError, match="changed this shipment meanwhile"):
        shipment_set_quantities(
            shipment=shipment, quantities={line.pk: 1}, revision=1, actor=admin_user
        )


def test_what_one_shipment_carries_is_not_offered_to_the_next(group, shop, admin_user, warehouse):
    from asn.shipments import GroupShipmentData, group_shipment_create

    order = acknowledged_order(shop, "PO-A6", committed={1: 12, 2: 6})
    shipment = shipment_add_order(group=group, order=order, actor=admin_user)
    first = shipment.lines.get(row__position=1)
    group.refresh_from_db()
    shipment_set_quantities(
        shipment=shipment, quantities={first.pk: 5}, revision=group.revision, actor=admin_user
    )
    second = group_shipment_create(
        shop=shop, data=GroupShipmentData(warehouse=warehouse, fc_code="LEJ1"), actor=admin_user
    )
    assert second.code != group.code
    rest = shipment_add_order(group=second, order=order, actor=admin_user)
    assert {line.row.position: line.quantity for line in rest.lines.all()} == {1: 7}


def test_a_submitted_shipment_is_frozen(group, shop, admin_user):
    order = acknowledged_order(shop, "PO-A7")
    group.status = GroupShipmentStatus.SUBMITTED
    group.save()
    with pytest.raises(ShipmentError, match="can no longer change"):
        shipment_add_order(group=group, order=order, actor=admin_user)


# --- SSCCs -------------------------------------------------------------------------------------


def test_generated_ssccs_use_the_prefix_and_never_repeat(shop, asn_connection):
    first = sscc_allocate(shop, 3)
    second = sscc_allocate(shop, 2)
    codes = first + second
    assert len(set(codes)) == 5
    assert all(code.startswith("0" + GS1_PREFIX) and _valid(code) for code in codes)
    assert SsccRecord.objects.filter(shop=shop).count() == 5


def test_without_a_company_prefix_no_sscc_is_generated(shop, asn_connection):
    asn_connection.gs1_company_prefix = ""
    asn_connection.save()
    with pytest.raises(SsccError, match="GS1 company prefix"):
        sscc_allocate(shop)


def test_a_supplied_sscc_is_validated_and_not_reused_within_a_year(shop, asn_connection):
    good = "106141411234567897"  # GS1 General Specifications' example SSCC
    assert sscc_supplied(shop, "(00) 1 0614141 123456789 7") == good
    with pytest.raises(SsccError, match="within 365 days"):
        sscc_supplied(shop, good)
    SsccRecord.objects.filter(sscc=good).update(used_at=timezone.now() - timedelta(days=366))
    assert sscc_supplied(shop, good) == good
    with pytest.raises(SsccError):
        sscc_supplied(shop, "106141411234567898")  # wrong check digit


# --- placement -----------------------------------------------------------------------------------


def test_placement_splits_moves_and_unplaces(group, shop, admin_user):
    order = acknowledged_order(shop, "PO-P1")
    shipment = shipment_add_order(group=group, order=order, actor=admin_user)
    line = shipment.lines.get(row__position=1)  # 12 kettles
    pallet = pallet_add(group=group, actor=admin_user)
    box_a = carton_add(group=group, pallet=pallet, actor=admin_user)
    box_b = carton_add(group=group, pallet=pallet, actor=admin_user)
    place(line=line, container=box_a, quantity=8, actor=admin_user)
    place(line=line, container=box_b, quantity=4, actor=admin_user)
    with pytest.raises(PlacementError, match="Only 0 of row 1"):
        place(line=line, container=box_b, quantity=1, actor=admin_user)
    in_a = Placement.objects.get(line=line, container=box_a)
    move(placement=in_a, to=box_b, quantity=3, actor=admin_user)
    assert Placement.objects.get(line=line, container=box_b).quantity == 7
    unplace(placement=Placement.objects.get(line=line, container=box_a), actor=admin_user)
    assert [(lin.row.position, free) for lin, free in unplaced_lines(group)] == [(1, 5), (2, 6)]
    container_remove(container=pallet, actor=admin_user)  # cartons go with it
    assert not Container.objects.filter(group=group).exists()
    assert [(lin.row.position, free) for lin, free in unplaced_lines(group)] == [(1, 12), (2, 6)]


def test_packing_rules(group, shop, admin_user, other_shop):
    order = acknowledged_order(shop, "PO-P2")
    shipment = shipment_add_order(group=group, order=order, actor=admin_user)
    pallet = pallet_add(group=group, actor=admin_user)
    carton = carton_add(group=group, pallet=pallet, actor=admin_user)
    with pytest.raises(PlacementError, match="carton goes on a pallet"):
        carton_add(group=group, pallet=carton, actor=admin_user)
    with pytest.raises(PlacementError, match="more than 0"):
        place(line=shipment.lines.first(), container=pallet, quantity=0, actor=admin_user)
    with pytest.raises(PlacementError, match="already"):  # an identifier is a pallet or a carton
        carton_add(group=group, pallet=pallet, sscc=pallet.sscc, actor=admin_user)
    with pytest.raises(ShipmentError, match=r"more than the \d+ accepted"):
        shipment_set_quantities(
            shipment=shipment,
            quantities={shipment.lines.first().pk: 99},
            revision=group.__class__.objects.get(pk=group.pk).revision,
            actor=admin_user,
        )


def test_lowering_a_line_below_what_is_packed_is_refused(group, shop, admin_user):
    order = acknowledged_order(shop, "PO-P3")
    shipment, _, _ = _packed(group, admin_user, order)
    line = shipment.lines.get(row__position=1)
    group.refresh_from_db()
    with pytest.raises(ShipmentError, match="12 are packed; unplace them"):
        shipment_set_quantities(
            shipment=shipment, quantities={line.pk: 5}, revision=group.revision, actor=admin_user
        )


# --- the ASN body ------------------------------------------------------------------------------


def test_the_asn_body_follows_amazons_model(group, shop, admin_user, asn_connection):
    order = acknowledged_order(shop, "PO-B1")
    shipment, _, carton = _packed(group, admin_user, order)
    shipment.lines.update(unit_weight_kg=Decimal("1.250"))
    body = shipment_confirmation_json_for_group(
        group, asn_connection, confirmation_type=AsnType.ORIGINAL
    )
    assert (
        schema_errors(
            "vendorShipments",
            "SubmitShipmentConfirmationsRequest",
            {"shipmentConfirmations": [body]},
        )
        == []
    )
    assert body["shipmentIdentifier"] == "BOL-20261126-1"  # bill of lading as ASN number
    assert body["shipmentStructure"] == "PalletizedAssortmentCase"
    assert body["sellingParty"] == {"partyId": "VNDR1"}
    assert body["shipToParty"]["partyId"] == "LEJ1"
    items = {i["vendorProductIdentifier"]: i for i in body["shippedItems"]}
    assert items["4006381333931"]["shippedQuantity"] == {"amount": 12, "unitOfMeasure": "Eaches"}
    assert items["4006381333931"]["itemDetails"] == {"purchaseOrderNumber": "PO-B1"}
    (carton_json,) = body["cartons"]
    assert carton_json["cartonIdentifiers"][0]["containerIdentificationNumber"] == carton.sscc
    assert carton_json["weight"] == {"unitOfMeasure": "Kg", "value": "15.50"}  # 12 × 1.25 + 0.5
    (pallet_json,) = body["pallets"]
    assert pallet_json["cartonReferenceDetails"]["cartonReferenceNumbers"] == ["001"]
    assert pallet_json["items"][0]["shippedQuantity"]["amount"] == 6
    assert pallet_json["weight"] == {"unitOfMeasure": "Kg", "value": "48.00"}  # 15.5 + 7.5 + 25
    assert body["shipmentMeasurements"]["palletCount"] == 1
    asn_connection.bol_as_asn_number = False
    assert (
        shipment_confirmation_json_for_group(group, asn_connection, confirmation_type="Original")[
            "shipmentIdentifier"
        ]
        == group.code
    )


def test_small_parcel_goes_as_loose_cartons(group, shop, admin_user, asn_connection):
    order = acknowledged_order(shop, "PO-B2")
    shipment = shipment_add_order(group=group, order=order, actor=admin_user)
    group.shipment_type = ShipmentType.SMALL_PARCEL
    group.save()
    pallet = pallet_add(group=group, actor=admin_user)
    carton = carton_add(group=group, pallet=pallet, actor=admin_user, tracking_number="1Z999")
    for line in shipment.lines.all():
        place(line=line, container=carton, quantity=line.quantity, actor=admin_user)
    body = shipment_confirmation_json_for_group(
        group, asn_connection, confirmation_type=AsnType.ORIGINAL
    )
    assert body["shipmentStructure"] == "LooseAssortmentCase"
    assert "pallets" not in body
    assert body["cartons"][0]["trackingNumber"] == "1Z999"
    assert preflight(group, asn_connection) == []


# --- pre-flight ----------------------------------------------------------------------------------


def test_a_ready_shipment_passes_preflight(group, shop, admin_user, asn_connection):
    _packed(group, admin_user, acknowledged_order(shop, "PO-F1"))
    assert preflight(group, asn_connection) == []


def test_preflight_lists_every_violation(group, shop, admin_user, asn_connection):
    order = acknowledged_order(shop, "PO-F2", committed={1: 12, 2: 6})
    shipment_add_order(group=group, order=order, actor=admin_user)
    pallet_add(group=group, actor=admin_user)  # empty, and nothing placed
    group.shipped_at = timezone.now() + timedelta(days=1)
    group.bill_of_lading = "2026-11-26"
    group.save()
    # Amazon lowered what it takes since the lines were made: row 2 now over the acknowledged.
    order.acknowledgements.get().lines.filter(row__position=2).update(accepted=4, rejected=2)
    rules = {v.rule for v in preflight(group, asn_connection)}
    assert rules == {"ship_date", "bol", "placement", "quantity"}
    messages = " ".join(v.message for v in preflight(group, asn_connection))
    assert "in the future" in messages
    assert "is a date" in messages
    assert "12 not placed" in messages
    assert "is empty" in messages
    assert "6 shipped, only 4 acknowledged" in messages


def test_preflight_checks_old_ship_dates_and_reused_ssccs(group, shop, admin_user, asn_connection):
    from asn.shipments import GroupShipmentData, group_shipment_create

    _, pallet, _ = _packed(group, admin_user, acknowledged_order(shop, "PO-F3"))
    group.shipped_at = timezone.now() - timedelta(days=8)
    group.save()
    other = group_shipment_create(
        shop=shop,
        data=GroupShipmentData(warehouse=group.warehouse, fc_code="LEJ1"),
        actor=admin_user,
    )
    Container.objects.create(group=other, kind="pallet", sscc=pallet.sscc)
    messages = [v.message for v in preflight(group, asn_connection)]
    assert any("more than 7 days ago" in m for m in messages)
    assert any(f"SSCC {pallet.sscc} is also on {other.code}" in m for m in messages)


def test_north_america_needs_scac_and_pro(group, shop, admin_user, asn_connection):
    _packed(group, admin_user, acknowledged_order(shop, "PO-F4"))
    asn_connection.region = "NA"
    group.carrier_scac = ""
    group.save()
    messages = [v.message for v in preflight(group, asn_connection)]
    assert any("SCAC" in m for m in messages) and any("PRO" in m for m in messages)


def test_submit_refuses_with_every_violation_and_changes_nothing(group, shop, admin_user):
    shipment_add_order(group=group, order=acknowledged_order(shop, "PO-F5"), actor=admin_user)
    with pytest.raises(AsnRefused) as refused:
        asn_submit(group=group, actor=admin_user)
    assert any("not placed" in v.message for v in refused.value.violations)
    group.refresh_from_db()
    assert group.status == GroupShipmentStatus.DRAFT
    assert not group.submissions.exists()


def test_the_watchdog_hands_idle_asns_back_to_the_tasks(group, monkeypatch):
    from asn import tasks
    from asn.models import AsnSubmission
    from asn.outbox import asns_idle

    queued = []
    monkeypatch.setattr(tasks.asn_send_task, "apply_async", lambda *a, **k: queued.append("send"))
    monkeypatch.setattr(tasks.asn_check_task, "apply_async", lambda *a, **k: queued.append("check"))
    old = timezone.now() - timedelta(minutes=5)
    pending = AsnSubmission.objects.create(
        group=group, confirmation_type="Original", asn_number="A1", payload={}
    )
    submitted = AsnSubmission.objects.create(
        group=group, confirmation_type="Replace", asn_number="A1", payload={}, status="success"
    )
    AsnSubmission.objects.filter(pk=pending.pk).update(created_at=old)
    AsnSubmission.objects.filter(pk=submitted.pk).update(created_at=old)
    assert [s.pk for s in asns_idle(120)] == [pending.pk]  # finished ones are left alone
    assert tasks.asns_watchdog_task(120) == 1
    assert queued == ["send"]
    AsnSubmission.objects.filter(pk=pending.pk).update(status="submitted", checked_at=old)
    tasks.asns_watchdog_task(120)
    assert queued == ["send", "check"]


def test_measured_weight_and_dimensions_go_into_the_asn(group, shop, admin_user, asn_connection):
    from asn.placement import container_update

    _, pallet, carton = _packed(group, admin_user, acknowledged_order(shop, "PO-M1"))
    with pytest.raises(PlacementError, match="length, width and height together"):
        container_update(container=pallet, actor=admin_user, length_cm=Decimal("120"))
    container_update(
        container=pallet,
        actor=admin_user,
        weight_kg=Decimal("212.40"),
        length_cm=Decimal("120"),
        width_cm=Decimal("80"),
        height_cm=Decimal("145.5"),
    )
    container_update(container=carton, actor=admin_user, tracking_number="1Z42")
    body = shipment_confirmation_json_for_group(
        group, asn_connection, confirmation_type=AsnType.ORIGINAL
    )
    assert (
        schema_errors(
            "vendorShipments",
            "SubmitShipmentConfirmationsRequest",
            {"shipmentConfirmations": [body]},
        )
        == []
    )
    (pallet_json,) = body["pallets"]
    assert pallet_json["weight"] == {"unitOfMeasure": "Kg", "value": "212.40"}
    assert pallet_json["dimensions"] == {
        "length": "1.200",
        "width": "0.800",
        "height": "1.455",
        "unitOfMeasure": "Meter",
    }
    assert body["cartons"][0]["trackingNumber"] == "1Z42"
    assert body["shipmentMeasurements"]["grossShipmentWeight"]["value"] == "212.40"


def test_container_details_on_the_page(group, shop, admin_user, asn_connection):
    from django.urls import reverse

    from tests.support.web import web_client_for

    _, pallet, _ = _packed(group, admin_user, acknowledged_order(shop, "PO-M2"))
    url = reverse("asn:container-details", args=[shop.pk, group.pk, pallet.pk])
    client = web_client_for(admin_user)
    half = client.post(url, {"length_cm": "120", "width_cm": "", "height_cm": ""}, follow=True)
    assert "together" in half.content.decode()
    client.post(
        url, {"weight_kg": "99.5", "length_cm": "120", "width_cm": "80", "height_cm": "100"}
    )
    pallet.refresh_from_db()
    assert (pallet.weight_kg, pallet.height_cm) == (Decimal("99.50"), Decimal("100.0"))
    page = client.get(reverse("asn:group-detail", args=[shop.pk, group.pk])).content.decode()
    assert 'name="length_cm" value="120.0"' in page
