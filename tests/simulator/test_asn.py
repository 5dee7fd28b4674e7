"""Shipment confirmations (ASNs) checked by Amazon's business rules: 202 for a schema-valid
body, then Success or Failure with errors naming the shipment, item or container; accepted
ones are kept and shown under /_simulator/shipment-confirmations."""

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simulator.asn_rules import gs1_check_digit, sscc_problem
from tests.support.simulator_api import (
    ACKS,
    ASNS,
    DELAY,
    Api,
    ack_body,
    iso,
    make_api,
    new_order,
    settled,
    submit,
)

COMPANY_PREFIX = "4012345"  # a GS1 company prefix (7 digits)


@pytest.fixture
def api() -> Iterator[Api]:
    yield from make_api(seed=7, transaction_delay=DELAY)


def sscc(serial: int) -> str:
    """An SSCC-18: extension digit 0, the company prefix, a 9-digit serial, check digit."""
    body = f"0{COMPANY_PREFIX}{serial:09d}"
    return body + str(gs1_check_digit(body))


def acknowledged(api: Api, where: Callable[[dict], bool] = lambda order: True) -> dict:
    """A New PO (every line ordering at least 2), acknowledged in full here."""
    order = new_order(
        api,
        where=lambda o: (
            all(i["orderedQuantity"]["amount"] >= 2 for i in o["orderDetails"]["items"])
            and where(o)
        ),
    )
    assert settled(api, submit(api, ACKS, ack_body(order)))["status"] == "Success"
    return order


def asn(order: dict, identifier: str = "ASN-1", *, first_serial: int = 1) -> dict[str, Any]:
    """One ShipmentConfirmation shipping every line of `order` as ordered: one carton per
    line, all cartons on one pallet, SSCCs numbered from `first_serial`."""
    details = order["orderDetails"]
    number = order["purchaseOrderNumber"]
    items, cartons = [], []
    for position, line in enumerate(details["items"], start=1):
        sequence = f"{position:03d}"
        items.append(
            {
                "itemSequenceNumber": sequence,
                "amazonProductIdentifier": line["amazonProductIdentifier"],
                "vendorProductIdentifier": line["vendorProductIdentifier"],
                "shippedQuantity": dict(line["orderedQuantity"]),
                "itemDetails": {"purchaseOrderNumber": number},
            }
        )
        cartons.append(
            {
                "cartonIdentifiers": [
                    {
                        "containerIdentificationType": "SSCC",
                        "containerIdentificationNumber": sscc(first_serial + position),
                    }
                ],
                "cartonSequenceNumber": sequence,
                "items": [
                    {"itemReference": sequence, "shippedQuantity": dict(line["orderedQuantity"])}
                ],
            }
        )
    pallet = {
        "palletIdentifiers": [
            {
                "containerIdentificationType": "SSCC",
                "containerIdentificationNumber": sscc(first_serial),
            }
        ],
        "cartonReferenceDetails": {
            "cartonCount": len(cartons),
            "cartonReferenceNumbers": [c["cartonSequenceNumber"] for c in cartons],
        },
    }
    now = datetime.now(UTC)
    return {
        "shipmentIdentifier": identifier,
        "shipmentConfirmationType": "Original",
        "shipmentType": "LessThanTruckLoad",
        "shipmentStructure": "PalletizedAssortmentCase",
        "transportationDetails": {"carrierScac": "DHLF", "billOfLadingNumber": f"BOL-{identifier}"},
        "shipmentConfirmationDate": iso(now),
        "shippedDate": iso(now - timedelta(hours=1)),
        "sellingParty": {"partyId": details["sellingParty"]["partyId"]},
        "shipFromParty": {"partyId": "WH01"},
        "shipToParty": {"partyId": details["shipToParty"]["partyId"]},
        "shippedItems": items,
        "cartons": cartons,
        "pallets": [pallet],
    }


def outcome(api: Api, *confirmations: dict) -> dict:
    return settled(api, submit(api, ASNS, {"shipmentConfirmations": list(confirmations)}))


def failure(api: Api, *confirmations: dict) -> dict[str, str]:
    """The transaction fails; its errors by code (each with a message)."""
    result = outcome(api, *confirmations)
    assert result["status"] == "Failure", result
    assert all(e["message"] and e["details"] for e in result["errors"])
    return {e["code"]: e["details"] for e in result["errors"]}


def received(api: Api) -> list[dict]:
    return api.control("GET", "shipment-confirmations")


def test_sscc_check_digit_is_gs1_mod_10() -> None:
    assert gs1_check_digit("400638133393") == 1  # EAN-13 4006381333931: the same algorithm
    assert sscc_problem("001234560000000018") is None
    assert sscc_problem("001234560000000017") == "the check digit should be 8, not 7"
    assert sscc_problem("00123456000000001") == "an SSCC is 18 digits"


def test_a_good_asn_succeeds_and_is_kept(api: Api) -> None:
    order = acknowledged(api)
    confirmation = asn(order)

    assert outcome(api, confirmation)["status"] == "Success"

    [kept] = received(api)
    assert kept["shipmentIdentifier"] == "ASN-1" and kept["current"] is True
    assert kept["shipmentConfirmation"] == confirmation
    assert kept["ssccs"] == sorted(sscc(n) for n in range(1, len(confirmation["cartons"]) + 2))
    items = order["orderDetails"]["items"]
    eaches = [i["orderedQuantity"]["amount"] * i["orderedQuantity"]["unitSize"] for i in items]
    assert [e["eaches"] for e in kept["shippedEaches"]] == eaches
    assert "ASN-1" in api.http.get("/_simulator/").text


def test_an_asn_is_not_shown_while_its_transaction_is_processing(api: Api) -> None:
    order = acknowledged(api)
    api.control("POST", "faults", {"transaction_delay": 30})

    submit(api, ASNS, {"shipmentConfirmations": [asn(order)]})

    assert received(api) == []


def _ship_one_more(c: dict) -> None:
    c["shippedItems"][0]["shippedQuantity"]["amount"] += 1
    c["cartons"][0]["items"][0]["shippedQuantity"]["amount"] += 1


def _sscc_check_digit(c: dict) -> None:
    identifier = c["pallets"][0]["palletIdentifiers"][0]
    number = identifier["containerIdentificationNumber"]
    identifier["containerIdentificationNumber"] = number[:17] + str((int(number[17]) + 1) % 10)


def _sscc_short(c: dict) -> None:
    c["cartons"][0]["cartonIdentifiers"][0]["containerIdentificationNumber"] = "12345"


def _sscc_twice(c: dict) -> None:
    pallet_sscc = c["pallets"][0]["palletIdentifiers"][0]["containerIdentificationNumber"]
    c["cartons"][0]["cartonIdentifiers"][0]["containerIdentificationNumber"] = pallet_sscc


def _set(path: str, value: Any) -> Callable[[dict], None]:
    def change(c: dict) -> None:
        *parents, last = path.split(".")
        target = c
        for name in parents:
            target = target[int(name)] if name.isdigit() else target[name]
        target[last] = value

    return change


def _drop(path: str) -> Callable[[dict], None]:
    def change(c: dict) -> None:
        *parents, last = path.split(".")
        target = c
        for name in parents:
            target = target[name]
        del target[last]

    return change


def _days_ago(days: float) -> str:
    return iso(datetime.now(UTC) - timedelta(days=days))


def _carton_on_two_pallets(c: dict) -> None:
    second = copy.deepcopy(c["pallets"][0])
    second["palletIdentifiers"][0]["containerIdentificationNumber"] = sscc(999)
    second["cartonReferenceDetails"]["cartonReferenceNumbers"] = ["001"]
    c["pallets"].append(second)


def _tracking_missing(c: dict) -> None:
    c["shipmentType"] = "SmallParcel"
    for carton in c["cartons"][1:]:
        carton["trackingNumber"] = "1Z999AA10123456784"


@pytest.mark.parametrize(
    ("change", "code", "named"),
    [
        (
            _set("shippedItems.0.itemDetails.purchaseOrderNumber", "ZZZZZZZZ"),
            "INVALID_ORDER_ID",
            "ZZZZZZZZ",
        ),
        (_set("sellingParty.partyId", "OTHER1"), "INVALID_ORDER_ID", "OTHER1"),
        (_set("shipToParty.partyId", "ZRH2"), "SHIP_TO_MISMATCH", "ZRH2"),
        (_set("shippedDate", _days_ago(-1 / 24)), "INVALID_SHIPPED_DATE", "shippedDate"),
        (_set("shippedDate", _days_ago(8)), "INVALID_SHIPPED_DATE", "shippedDate"),
        (_sscc_check_digit, "INVALID_SSCC", "check digit"),
        (_sscc_short, "INVALID_SSCC", "carton 001: SSCC 12345"),
        (_sscc_twice, "DUPLICATE_SSCC", "carton 001, pallet 1"),
        (
            _set("transportationDetails.billOfLadingNumber", "2026-08-01"),
            "INVALID_BILL_OF_LADING",
            "2026-08-01",
        ),
        (_set("transportationDetails.billOfLadingNumber", "X"), "INVALID_BILL_OF_LADING", "'X'"),
        (
            _drop("transportationDetails.billOfLadingNumber"),
            "MISSING_BILL_OF_LADING",
            "LessThanTruckLoad",
        ),
        (_set("transportationDetails.carrierScac", "D1"), "INVALID_CARRIER_SCAC", "'D1'"),
        (_set("cartons.0.items.0.itemReference", "099"), "INVALID_ITEM_REFERENCE", "carton 001"),
        (
            _set("pallets.0.cartonReferenceDetails.cartonReferenceNumbers", ["999"]),
            "INVALID_CARTON_REFERENCE",
            "999",
        ),
        (_carton_on_two_pallets, "CARTON_ON_SEVERAL_PALLETS", "carton 001 is on pallets 1, 2"),
        (
            _set("cartons.0.items.0.shippedQuantity.amount", 1),
            "CONTAINER_QUANTITY_MISMATCH",
            "item 001",
        ),
        (_tracking_missing, "MISSING_TRACKING_NUMBER", "carton 001"),
        (_drop("pallets"), "MISSING_PALLETS", "PalletizedAssortmentCase"),
        (_ship_one_more, "QUANTITY_EXCEEDS_ACKNOWLEDGED", "line 1"),
        (
            _set("shippedItems.0.amazonProductIdentifier", "B000000000"),
            "INVALID_ITEM",
            "B000000000",
        ),
        (_set("shippedItems.0.shippedQuantity.amount", 0), "INVALID_QUANTITY", "item 001"),
    ],
)
def test_a_broken_rule_fails_the_transaction_with_a_named_error(
    api: Api, change: Callable[[dict], None], code: str, named: str
) -> None:
    confirmation = asn(acknowledged(api))
    change(confirmation)

    errors = failure(api, confirmation)

    assert code in errors, errors
    assert named in errors[code] and "Shipment ASN-1" in errors[code]
    assert received(api) == []


def test_a_shipped_date_a_little_ahead_of_the_clock_is_allowed(api: Api) -> None:
    confirmation = asn(acknowledged(api))
    confirmation["shippedDate"] = iso(datetime.now(UTC) + timedelta(minutes=2))

    assert outcome(api, confirmation)["status"] == "Success"


def test_an_asn_for_a_po_never_acknowledged_fails(api: Api) -> None:
    order = new_order(
        api, where=lambda o: o["orderDetails"]["items"][0]["orderedQuantity"]["amount"] > 0
    )

    errors = failure(api, asn(order))

    assert order["purchaseOrderNumber"] in errors["PO_NOT_ACKNOWLEDGED"]


def test_cases_count_as_unit_size_eaches(api: Api) -> None:
    order = acknowledged(
        api, where=lambda o: o["orderDetails"]["items"][0]["orderedQuantity"]["unitSize"] > 1
    )
    confirmation = asn(order)
    ordered = order["orderDetails"]["items"][0]["orderedQuantity"]
    in_eaches = {"amount": ordered["amount"] * ordered["unitSize"], "unitOfMeasure": "Eaches"}
    confirmation["shippedItems"][0]["shippedQuantity"] = in_eaches
    confirmation["cartons"][0]["items"][0]["shippedQuantity"] = dict(in_eaches)
    one_more = copy.deepcopy(confirmation)
    one_more["shippedItems"][0]["shippedQuantity"]["amount"] += 1
    one_more["cartons"][0]["items"][0]["shippedQuantity"]["amount"] += 1

    assert "QUANTITY_EXCEEDS_ACKNOWLEDGED" in failure(api, one_more)
    assert outcome(api, confirmation)["status"] == "Success"


def test_the_po_may_be_named_on_the_containers_only(api: Api) -> None:
    order = acknowledged(api)
    confirmation = asn(order)
    confirmation["shipmentStructure"] = "MasterPallet"
    for item, carton in zip(confirmation["shippedItems"], confirmation["cartons"], strict=True):
        del item["itemDetails"]
        carton["items"][0]["itemDetails"] = {"purchaseOrderNumber": order["purchaseOrderNumber"]}

    assert outcome(api, confirmation)["status"] == "Success"

    del confirmation["cartons"][0]["items"][0]["itemDetails"]
    confirmation["shipmentIdentifier"] = "ASN-2"
    assert "item 001" in failure(api, confirmation)["MISSING_ORDER_ID"]


def test_later_shipments_count_what_earlier_ones_shipped(api: Api) -> None:
    order = acknowledged(api)
    first, second = asn(order, "ASN-1"), asn(order, "ASN-2", first_serial=100)
    assert outcome(api, first)["status"] == "Success"

    details = failure(api, second)["QUANTITY_EXCEEDS_ACKNOWLEDGED"]

    assert "Shipment ASN-2" in details and "already in other shipments" in details


def test_a_second_original_for_the_same_shipment_is_a_duplicate(api: Api) -> None:
    order = acknowledged(api)
    assert outcome(api, asn(order))["status"] == "Success"

    again = asn(order)

    assert "Shipment ASN-1" in failure(api, again)["DUPLICATE_SHIPMENT_ID"]


def _replace(confirmation: dict) -> dict:
    replacement = copy.deepcopy(confirmation)
    replacement["shipmentConfirmationType"] = "Replace"
    return replacement


def _reduce_first_line(confirmation: dict) -> None:
    confirmation["shippedItems"][0]["shippedQuantity"]["amount"] -= 1
    confirmation["cartons"][0]["items"][0]["shippedQuantity"]["amount"] -= 1


def test_a_replace_may_reduce_and_replaces_the_kept_version(api: Api) -> None:
    original = asn(acknowledged(api))
    assert outcome(api, original)["status"] == "Success"
    replacement = _replace(original)
    _reduce_first_line(replacement)

    assert outcome(api, replacement)["status"] == "Success"  # its own SSCCs again: allowed

    first, second = received(api)
    assert (first["current"], second["current"]) == (False, True)
    assert second["shipmentConfirmationType"] == "Replace"
    assert second["shippedEaches"][0]["eaches"] < first["shippedEaches"][0]["eaches"]


def test_a_replace_may_not_increase_a_quantity(api: Api) -> None:
    original = asn(acknowledged(api))
    _reduce_first_line(original)
    assert outcome(api, original)["status"] == "Success"
    replacement = _replace(original)
    _ship_one_more(replacement)

    assert "line 1" in failure(api, replacement)["REPLACE_INCREASES_QUANTITY"]


def test_a_replace_may_not_add_an_item(api: Api) -> None:
    original = asn(acknowledged(api, where=lambda o: len(o["orderDetails"]["items"]) >= 2))
    shortened = copy.deepcopy(original)
    del shortened["shippedItems"][1], shortened["cartons"][1]
    shortened["pallets"][0]["cartonReferenceDetails"]["cartonReferenceNumbers"].remove("002")
    assert outcome(api, shortened)["status"] == "Success"

    assert "line 2" in failure(api, _replace(original))["REPLACE_ADDS_ITEM"]


@pytest.mark.parametrize("seller", ["same", "other"])
def test_a_replace_needs_an_original_of_the_same_selling_party(api: Api, seller: str) -> None:
    order = acknowledged(api)
    if seller == "other":
        assert outcome(api, asn(order))["status"] == "Success"
    replacement = _replace(asn(order))
    if seller == "other":
        replacement["sellingParty"]["partyId"] = "OTHER1"

    assert "REPLACE_WITHOUT_ORIGINAL" in failure(api, replacement)


def test_an_sscc_of_another_shipment_may_not_be_reused(api: Api) -> None:
    order = acknowledged(
        api,
        where=lambda o: all(
            i["orderedQuantity"]["amount"] >= 4 for i in o["orderDetails"]["items"]
        ),
    )
    first, second = asn(order, "ASN-1"), asn(order, "ASN-2")  # the same SSCCs
    for confirmation in (first, second):
        for item, carton in zip(confirmation["shippedItems"], confirmation["cartons"], strict=True):
            half = item["shippedQuantity"]["amount"] // 2
            item["shippedQuantity"]["amount"] = half
            carton["items"][0]["shippedQuantity"]["amount"] = half
    assert outcome(api, first)["status"] == "Success"

    details = failure(api, second)["SSCC_REUSED"]

    assert "Shipment ASN-2, pallet 1" in details and "used by shipment ASN-1" in details


def test_a_transaction_fails_as_a_whole(api: Api) -> None:
    order = acknowledged(api, where=lambda o: len(o["orderDetails"]["items"]) >= 2)
    good = asn(order, "ASN-1")
    bad = asn(order, "ASN-2", first_serial=100)
    bad["pallets"][0]["palletIdentifiers"][0]["containerIdentificationNumber"] = (
        "100000000000000000"
    )

    assert "Shipment ASN-2" in failure(api, good, bad)["INVALID_SSCC"]
    assert received(api) == []


def test_reset_forgets_shipment_confirmations(api: Api) -> None:
    order = acknowledged(api)
    assert outcome(api, asn(order))["status"] == "Success"

    api.control("POST", "reset")

    assert received(api) == []


def test_shipment_confirmations_have_their_own_rate_limit_and_faults() -> None:
    for api in make_api(seed=7, rate_limits=True, transaction_delay=DELAY):
        body = {"shipmentConfirmations": [{"shipmentIdentifier": "A1"}]}  # schema-invalid: 400
        statuses = [api.post(ASNS, body).status_code for _ in range(14)]
        assert statuses[:10] == [400] * 10 and 429 in statuses[10:]

        api.control("POST", "faults", {"rate_limits": False, "error_rate": 1.0})
        faulty = [api.post(ASNS, body) for _ in range(6)]
        assert {r.status_code for r in faulty} <= {500, 503}
        assert all(r.json()["errors"][0]["code"] for r in faulty)
