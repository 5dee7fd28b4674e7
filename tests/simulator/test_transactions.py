"""Acknowledgements and shipment confirmations: 202, then Processing → Success/Failure, and
what a successful acknowledgement changes."""

import copy
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.support.simulator_api import (
    ACKS,
    ASNS,
    DELAY,
    ORDERS,
    STATUS,
    TRANSACTIONS,
    Api,
    ack_body,
    assert_schema,
    iso,
    iso_days_ago,
    make_api,
    new_order,
    settled,
    submit,
    transaction,
)


@pytest.fixture
def api() -> Iterator[Api]:
    yield from make_api(seed=7, transaction_delay=DELAY)


def test_acknowledgement_moves_processing_to_success_and_changes_the_po(api: Api) -> None:
    order = new_order(
        api,
        where=lambda o: (
            len(o["orderDetails"]["items"]) >= 2
            and o["orderDetails"]["items"][1]["orderedQuantity"]["amount"] >= 2
        ),
    )
    number = order["purchaseOrderNumber"]
    body = ack_body(order)
    second = body["acknowledgements"][0]["items"][1]
    ordered = second["orderedQuantity"]["amount"]
    unit = second["orderedQuantity"]
    second["itemAcknowledgements"] = [
        {
            "acknowledgementCode": "Accepted",
            "acknowledgedQuantity": {**unit, "amount": ordered - 1},
        },
        {
            "acknowledgementCode": "Rejected",
            "rejectionReason": "TemporarilyUnavailable",
            "acknowledgedQuantity": {**unit, "amount": 1},
        },
    ]
    api.control("POST", "faults", {"transaction_delay": 0.6})

    transaction_id = submit(api, ACKS, body)

    assert transaction(api, transaction_id)["status"] == "Processing"
    assert api.get(f"{ORDERS}/{number}").json()["payload"]["purchaseOrderState"] == "New"
    time.sleep(0.6)
    assert settled(api, transaction_id) == {"transactionId": transaction_id, "status": "Success"}
    po = api.get(f"{ORDERS}/{number}").json()["payload"]
    assert po["purchaseOrderState"] == "Acknowledged"
    assert po["orderDetails"]["purchaseOrderStateChangedDate"] >= iso_days_ago(0.01)
    [status] = api.get(STATUS, purchaseOrderNumber=number).json()["payload"]["ordersStatus"]
    first_item, second_item = status["itemStatus"][:2]
    assert first_item["acknowledgementStatus"]["confirmationStatus"] == "ACCEPTED"
    assert second_item["acknowledgementStatus"]["confirmationStatus"] == "PARTIALLY_ACCEPTED"
    assert second_item["acknowledgementStatus"]["acceptedQuantity"]["amount"] == ordered - 1
    assert second_item["acknowledgementStatus"]["rejectedQuantity"]["amount"] == 1
    assert status["lastUpdatedDate"] >= iso_days_ago(0.01)
    recently = api.get(STATUS, updatedAfter=iso_days_ago(0.01), updatedBefore=iso_days_ago(-0.01))
    assert number in {s["purchaseOrderNumber"] for s in recently.json()["payload"]["ordersStatus"]}
    still_new = api.all_orders(purchaseOrderState="New", includeDetails="false")
    assert number not in {o["purchaseOrderNumber"] for o in still_new}


def test_acknowledging_more_than_ordered_fails(api: Api) -> None:
    order = new_order(api)
    body = ack_body(order)
    quantity = body["acknowledgements"][0]["items"][0]["itemAcknowledgements"][0]
    quantity["acknowledgedQuantity"] = {
        **quantity["acknowledgedQuantity"],
        "amount": quantity["acknowledgedQuantity"]["amount"] + 1,
    }

    result = settled(api, submit(api, ACKS, body))

    assert result["status"] == "Failure"
    assert [e["code"] for e in result["errors"]] == ["QUANTITY_EXCEEDS_ORDERED"]
    number = order["purchaseOrderNumber"]
    assert api.get(f"{ORDERS}/{number}").json()["payload"]["purchaseOrderState"] == "New"


def _zero_cost(body: dict) -> None:
    body["acknowledgements"][0]["items"][0]["netCost"]["amount"] = "0.00"


def _backorder(body: dict) -> None:
    for item in body["acknowledgements"][0]["items"]:
        item["itemAcknowledgements"][0]["acknowledgementCode"] = "Backordered"


def _unknown_po(body: dict) -> None:
    body["acknowledgements"][0]["purchaseOrderNumber"] = "ZZZZZZZZ"


def _line_left_out(body: dict) -> None:
    body["acknowledgements"][0]["items"].pop()


@pytest.mark.parametrize(
    ("change", "code", "needs_no_backorder"),
    [
        (_zero_cost, "INVALID_NET_COST", False),
        (_backorder, "BACKORDER_NOT_ALLOWED", True),
        (_unknown_po, "INVALID_ORDER_ID", False),
        (_line_left_out, "MISSING_ITEMS", False),
    ],
)
def test_business_errors_fail_the_transaction(api: Api, change, code, needs_no_backorder) -> None:
    order = new_order(
        api,
        where=lambda o: (
            not needs_no_backorder
            or not any(i["isBackOrderAllowed"] for i in o["orderDetails"]["items"])
        ),
    )
    body = ack_body(order)
    change(body)

    result = settled(api, submit(api, ACKS, body))

    assert result["status"] == "Failure"
    assert code in {e["code"] for e in result["errors"]}
    assert all(e["message"] for e in result["errors"])


def test_acknowledging_a_closed_po_fails(api: Api) -> None:
    window = {"createdAfter": iso_days_ago(100), "createdBefore": iso_days_ago(94)}
    [closed] = api.get(ORDERS, **window, purchaseOrderState="Closed", limit=1).json()["payload"][
        "orders"
    ]

    result = settled(api, submit(api, ACKS, ack_body(closed)))

    assert result["status"] == "Failure"
    assert result["errors"][0]["code"] == "PO_CLOSED"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"acknowledgements": [{"purchaseOrderNumber": "X", "sellingParty": {}}]}, "partyId"),
        ({"acknowledgements": []}, "acknowledgements"),
        ({"acknowledgements": [{"acknowledgementDate": "someday"}]}, "acknowledgementDate"),
    ],
)
def test_schema_invalid_acknowledgement_is_400(api: Api, body, named) -> None:
    response = api.post(ACKS, body)

    assert response.status_code == 400
    assert_schema("vendorOrders", "SubmitAcknowledgementResponse", response.json())
    error = response.json()["errors"][0]
    assert error["code"] == "InvalidInput"
    assert named in error["message"] + error["details"]


def test_library_marketplace_keys_in_the_body_are_ignored(api: Api) -> None:
    body = ack_body(new_order(api))
    body.update(marketplaceIds=["A1PA6795UKMFR9"], MarketplaceIds=["A1PA6795UKMFR9"])

    assert settled(api, submit(api, ACKS, body))["status"] == "Success"


def asn_body(order: dict) -> dict:
    item = order["orderDetails"]["items"][0]
    return {
        "shipmentConfirmations": [
            {
                "shipmentIdentifier": "ASN-" + order["purchaseOrderNumber"],
                "shipmentConfirmationType": "Original",
                "shipmentConfirmationDate": iso(datetime.now(UTC)),
                "sellingParty": {"partyId": order["orderDetails"]["sellingParty"]["partyId"]},
                "shipFromParty": {"partyId": "WH01"},
                "shipToParty": {"partyId": order["orderDetails"]["shipToParty"]["partyId"]},
                "shippedItems": [
                    {
                        "itemSequenceNumber": "001",
                        "amazonProductIdentifier": item["amazonProductIdentifier"],
                        "shippedQuantity": {"amount": 1, "unitOfMeasure": "Cases"},
                        "itemDetails": {"purchaseOrderNumber": order["purchaseOrderNumber"]},
                    }
                ],
            }
        ]
    }


def test_shipment_confirmation_for_a_known_po_succeeds(api: Api) -> None:
    order = new_order(api)  # acknowledged here: a historical answer may reject the line
    assert settled(api, submit(api, ACKS, ack_body(order)))["status"] == "Success"
    body = asn_body(order)
    body["marketplaceIds"] = ["A1PA6795UKMFR9"]  # python-amazon-sp-api adds it to ASN bodies

    assert settled(api, submit(api, ASNS, body))["status"] == "Success"


def test_shipment_confirmation_for_an_unknown_po_fails(api: Api) -> None:
    order = copy.deepcopy(api.get(ORDERS, limit=1).json()["payload"]["orders"][0])
    order["purchaseOrderNumber"] = "ZZZZZZZZ"

    result = settled(api, submit(api, ASNS, asn_body(order)))

    assert result["status"] == "Failure"
    assert result["errors"][0]["code"] == "INVALID_ORDER_ID"


def test_schema_invalid_shipment_confirmation_is_400(api: Api) -> None:
    response = api.post(ASNS, {"shipmentConfirmations": [{"shipmentIdentifier": "A1"}]})

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_unknown_transaction_is_404(api: Api) -> None:
    response = api.get(f"{TRANSACTIONS}/20190904190535-eef8cad8-418e-4ed3-ac72-789e2ee6214a")

    assert response.status_code == 404
    assert response.headers["x-amzn-RateLimit-Limit"] == "10.0"
    assert_schema("vendorTransactionStatus", "GetTransactionResponse", response.json())


def test_reset_forgets_acknowledgements_and_transactions(api: Api) -> None:
    order = new_order(api)
    transaction_id = submit(api, ACKS, ack_body(order))
    assert settled(api, transaction_id)["status"] == "Success"

    api.control("POST", "reset")

    number = order["purchaseOrderNumber"]
    assert api.get(f"{ORDERS}/{number}").json()["payload"]["purchaseOrderState"] == "New"
    assert api.get(f"{TRANSACTIONS}/{transaction_id}").status_code == 404
