"""ASNs through the real client: the bodies an outbox stores are sent byte for byte, never
resent after a timeout or 5xx, and the simulator judges them as Amazon would."""

import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from amazon1p.spapi import serialising
from amazon1p.spapi.client import ApiAccess, RetryPolicy, VendorClient
from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.errors import AmazonTransientError
from amazon1p.spapi.ratelimit import LocalRateLimiter
from amazon1p.spapi.types import (
    AcknowledgementItem,
    Address,
    Carton,
    ContainerIdentifier,
    ContainerItem,
    Credentials,
    Dimensions,
    ItemAcknowledgement,
    Measure,
    OrderAcknowledgement,
    Pallet,
    Party,
    PurchaseOrder,
    Quantity,
    ShipmentConfirmation,
    ShippedItem,
)
from simulator import SimulatorConfig, schema_errors
from simulator.asn_rules import gs1_check_digit

ASNS = "/vendor/shipping/v1/shipmentConfirmations"
CREDENTIALS = Credentials("amzn1.application-oa2-client.asn", "client-secret", "Atzr|asn-token")
_serials = itertools.count(1, 100)  # each ASN of the module gets SSCCs of its own
_used_pos: set[str] = set()


def sscc(serial: int) -> str:
    body = f"04012345{serial:09d}"
    return body + str(gs1_check_digit(body))


def full_asn() -> ShipmentConfirmation:
    """An ASN using every part the mapping writes: transport, cartons, pallets, SSCCs."""
    ten = Quantity(10, "Cases", 6)
    return ShipmentConfirmation(
        shipment_identifier="BOL4711",
        confirmation_type="Original",
        confirmation_date=datetime(2026, 11, 3, 9, tzinfo=UTC),
        shipped_date=datetime(2026, 11, 3, 8, tzinfo=UTC),
        estimated_delivery_date=datetime(2026, 11, 5, tzinfo=UTC),
        selling_party=Party("VNDR1", Address("Nordwerk GmbH", "Industriestraße 14", "DE")),
        ship_from_party=Party("WH01"),
        ship_to_party=Party("LEJ1"),
        shipment_type="LessThanTruckLoad",
        shipment_structure="PalletizedAssortmentCase",
        carrier_scac="DHLF",
        carrier_shipment_reference="PRO123",
        transportation_mode="Road",
        bill_of_lading_number="BOL4711",
        gross_weight=Measure(Decimal("412.5"), "Kg"),
        pallet_count=1,
        shipped_items=(
            ShippedItem("001", ten, purchase_order_number="2JK3S9VC", asin="B07ZPKN6YR"),
            ShippedItem("002", Quantity(4), vendor_product_id="4006381333931"),
        ),
        cartons=(
            Carton(
                "001",
                (ContainerItem("001", ten),),
                identifiers=(ContainerIdentifier("SSCC", sscc(1)),),
                weight=Measure(Decimal("40.2"), "Kg"),
                dimensions=Dimensions(Decimal("0.6"), Decimal("0.4"), Decimal("0.4"), "Meter"),
            ),
        ),
        pallets=(
            Pallet(
                identifiers=(ContainerIdentifier("SSCC", sscc(2)),),
                carton_sequence_numbers=("001",),
                items=(ContainerItem("002", Quantity(4), purchase_order_number="2JK3S9VC"),),
                tier=1,
                block=1,
            ),
        ),
    )


def test_the_asn_mapping_writes_model_valid_cartons_and_pallets() -> None:
    body = serialising.serialise_shipment_confirmation(full_asn())

    assert schema_errors("vendorShipments", "ShipmentConfirmation", body) == []
    carton, pallet = body["cartons"][0], body["pallets"][0]
    assert carton["cartonIdentifiers"] == [
        {"containerIdentificationType": "SSCC", "containerIdentificationNumber": sscc(1)}
    ]
    assert pallet["cartonReferenceDetails"] == {"cartonCount": 1, "cartonReferenceNumbers": ["001"]}
    assert pallet["items"][0]["itemDetails"] == {"purchaseOrderNumber": "2JK3S9VC"}
    assert body["transportationDetails"]["billOfLadingNumber"] == "BOL4711"


# --- what the client sends (respx) ----------------------------------------------------------


def test_bodies_are_sent_exactly_as_given(amazon, make_client) -> None:
    route = amazon.post(ASNS).mock(
        return_value=httpx.Response(202, json={"payload": {"transactionId": "tx-asn"}})
    )
    body = serialising.serialise_shipment_confirmation(full_asn())

    assert make_client().submit_shipment_confirmation_bodies([body]) == "tx-asn"

    assert json.loads(route.calls.last.request.content) == {"shipmentConfirmations": [body]}


def test_an_asn_is_not_resent_after_a_5xx_or_timeout(amazon, make_client) -> None:
    unavailable = httpx.Response(
        503, json={"errors": [{"code": "ServiceUnavailable", "message": "Try again."}]}
    )
    route = amazon.post(ASNS).mock(side_effect=[unavailable, httpx.ReadTimeout("slow")])
    client = make_client()
    body = serialising.serialise_shipment_confirmation(full_asn())

    with pytest.raises(AmazonTransientError):
        client.submit_shipment_confirmation_bodies([body])
    with pytest.raises(AmazonTransientError):
        client.submit_shipment_confirmation_bodies([body])

    assert route.call_count == 2  # one call each: Amazon may have taken it


def test_an_asn_is_resent_after_a_429(amazon, make_client) -> None:
    throttled = httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "message": "x"}]})
    accepted = httpx.Response(202, json={"payload": {"transactionId": "tx-2"}})
    route = amazon.post(ASNS).mock(side_effect=[throttled, accepted])

    assert make_client().submit_shipment_confirmation_bodies([{"shipmentIdentifier": "A"}]) == (
        "tx-2"
    )
    assert route.call_count == 2


def test_no_body_is_a_clear_error(make_client) -> None:
    with pytest.raises(ValueError, match="at least one shipment confirmation"):
        make_client().submit_shipment_confirmation_bodies([])


# --- judged by the simulator ----------------------------------------------------------------


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=11, transaction_delay=0.2)


@pytest.fixture
def client(sim):
    connection = ApiAccess(
        account_key="asn", endpoint=Endpoint.custom(sim.base_url), credentials=CREDENTIALS
    )
    with VendorClient(
        connection,
        rate_limiter=LocalRateLimiter(),
        retry=RetryPolicy(max_attempts=4, base_delay=0.05, max_delay=0.5),
    ) as vendor_client:
        yield vendor_client


def final(client: VendorClient, transaction_id: str):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = client.get_transaction(transaction_id)
        if status.is_final:
            return status
        time.sleep(0.1)
    raise AssertionError("the transaction never left Processing")


def acknowledged_po(client: VendorClient, *, short_by: int = 0) -> PurchaseOrder:
    """A New PO nobody used yet, acknowledged: every line accepted but `short_by` units."""
    end = datetime.now(UTC).replace(microsecond=0)
    pages = client.list_purchase_orders(
        created_after=end - timedelta(days=2), created_before=end, purchase_order_state="New"
    )
    po = next(
        po
        for page in pages
        for po in page.orders
        if po.number not in _used_pos and all(i.ordered_quantity.amount > 2 for i in po.items)
    )
    _used_pos.add(po.number)
    items = []
    for item in po.items:
        ordered = item.ordered_quantity
        accepted = Quantity(ordered.amount - short_by, ordered.unit, ordered.unit_size)
        parts = [ItemAcknowledgement("Accepted", accepted)]
        if short_by:
            rejected = Quantity(short_by, ordered.unit, ordered.unit_size)
            parts.append(
                ItemAcknowledgement("Rejected", rejected, rejection_reason="ObsoleteProduct")
            )
        items.append(
            AcknowledgementItem(
                ordered_quantity=ordered,
                acknowledgements=tuple(parts),
                sequence_number=item.sequence_number,
                asin=item.asin,
                vendor_product_id=item.vendor_product_id,
                net_cost=item.net_cost,
            )
        )
    assert po.selling_party is not None
    ack = OrderAcknowledgement(po.number, po.selling_party, datetime.now(UTC), tuple(items))
    assert final(client, client.submit_acknowledgements([ack])).status == "Success"
    return po


def asn_for(
    po: PurchaseOrder, identifier: str, *, less: int = 0, kind: str = "Original"
) -> ShipmentConfirmation:
    """Ships every line of `po` as ordered (minus `less` units each): one carton per line,
    every carton on one pallet."""
    serial = next(_serials)
    items, cartons = [], []
    for position, line in enumerate(po.items, start=1):
        sequence = f"{position:03d}"
        ordered = line.ordered_quantity
        shipped = Quantity(ordered.amount - less, ordered.unit, ordered.unit_size)
        items.append(
            ShippedItem(sequence, shipped, purchase_order_number=po.number, asin=line.asin)
        )
        cartons.append(
            Carton(
                sequence,
                (ContainerItem(sequence, shipped),),
                identifiers=(ContainerIdentifier("SSCC", sscc(serial + position)),),
            )
        )
    now = datetime.now(UTC).replace(microsecond=0)
    assert po.selling_party is not None and po.ship_to_party is not None
    return ShipmentConfirmation(
        shipment_identifier=identifier,
        confirmation_type=kind,
        confirmation_date=now,
        shipped_date=now - timedelta(hours=1),
        selling_party=po.selling_party,
        ship_from_party=Party("WH01"),
        ship_to_party=Party(po.ship_to_party.party_id),
        shipment_type="LessThanTruckLoad",
        shipment_structure="PalletizedAssortmentCase",
        carrier_scac="DHLF",
        bill_of_lading_number=f"BOL-{identifier}",
        shipped_items=tuple(items),
        cartons=tuple(cartons),
        pallets=(
            Pallet(
                identifiers=(ContainerIdentifier("SSCC", sscc(serial)),),
                carton_sequence_numbers=tuple(c.sequence_number for c in cartons),
            ),
        ),
    )


def kept(sim) -> list[dict]:
    return httpx.get(f"{sim.base_url}/_simulator/shipment-confirmations").json()


def test_a_good_asn_succeeds_and_amazon_keeps_what_the_outbox_sent(sim, client) -> None:
    body = serialising.serialise_shipment_confirmation(asn_for(acknowledged_po(client), "ASN-GOOD"))

    status = final(client, client.submit_shipment_confirmation_bodies([body]))

    assert status.status == "Success" and not status.errors
    [received] = [k for k in kept(sim) if k["shipmentIdentifier"] == "ASN-GOOD"]
    assert received["shipmentConfirmation"] == body


def test_a_wrong_sscc_check_digit_fails_naming_the_sscc(client) -> None:
    asn = asn_for(acknowledged_po(client), "ASN-DIGIT")
    good = asn.pallets[0].identifiers[0].number
    bad = good[:17] + str((int(good[17]) + 1) % 10)
    body = serialising.serialise_shipment_confirmation(asn)
    body["pallets"][0]["palletIdentifiers"][0]["containerIdentificationNumber"] = bad

    status = final(client, client.submit_shipment_confirmation_bodies([body]))

    assert status.status == "Failure"
    [problem] = status.errors
    assert problem.code == "INVALID_SSCC" and bad in problem.details


def test_a_replace_that_increases_a_quantity_fails(client) -> None:
    po = acknowledged_po(client)
    original = asn_for(po, "ASN-REPLACE", less=1)
    assert final(client, client.submit_shipment_confirmations([original])).status == "Success"
    replacement = asn_for(po, "ASN-REPLACE", kind="Replace")

    status = final(client, client.submit_shipment_confirmations([replacement]))

    assert status.status == "Failure"
    assert {e.code for e in status.errors} == {"REPLACE_INCREASES_QUANTITY"}


def test_shipping_more_than_acknowledged_fails(client) -> None:
    po = acknowledged_po(client, short_by=1)

    status = final(client, client.submit_shipment_confirmations([asn_for(po, "ASN-OVER")]))

    assert status.status == "Failure"
    assert {e.code for e in status.errors} == {"QUANTITY_EXCEEDS_ACKNOWLEDGED"}
    assert all(po.number in e.details for e in status.errors)
