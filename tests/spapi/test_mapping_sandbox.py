"""Amazon's own sandbox examples (in the models) round-trip through our parser.

Table-driven over every recorded response, so a model update that adds a case is covered.
"""

import json
from pathlib import Path

import pytest

from amazon1p.spapi import parsing
from amazon1p.spapi.errors import AmazonMappingError

MODELS = Path(__file__).resolve().parents[2] / "simulator/models"


def _cases(model: str, operation_id: str):
    spec = json.loads((MODELS / model).read_text())
    for methods in spec["paths"].values():
        for operation in methods.values():
            if not isinstance(operation, dict) or operation.get("operationId") != operation_id:
                continue
            for status, response in operation["responses"].items():
                sandbox = (
                    response.get("x-amzn-api-sandbox", {}).get("static")
                    or response.get("x-amazon-spds-sandbox-behaviors")
                    or []
                )
                for case in sandbox:
                    yield status, case["response"]


PO_CASES = [r for s, r in _cases("vendorOrders.json", "getPurchaseOrders") if s == "200"]
ONE_PO_CASES = [r for s, r in _cases("vendorOrders.json", "getPurchaseOrder") if s == "200"]
STATUS_CASES = [r for s, r in _cases("vendorOrders.json", "getPurchaseOrdersStatus") if s == "200"]
TRANSACTION_CASES = [
    r for s, r in _cases("vendorTransactionStatus.json", "getTransaction") if s == "200"
]


def test_the_models_hold_the_documented_number_of_cases():
    assert len(PO_CASES) == 7 and len(ONE_PO_CASES) == 2
    assert len(STATUS_CASES) == 4 and len(TRANSACTION_CASES) == 3


@pytest.mark.parametrize(
    "response", PO_CASES + [{"payload": {"orders": [r["payload"]]}} for r in ONE_PO_CASES]
)
def test_every_sandbox_purchase_order_parses(response):
    for raw in response["payload"].get("orders", []):
        po = parsing.parse_purchase_order(raw)
        assert po.number == raw["purchaseOrderNumber"]
        if "orderDetails" in raw:
            assert len(po.items) == len(raw["orderDetails"]["items"])
            for item in po.items:
                assert item.ordered_quantity.eaches >= 0


def test_sandbox_po_2jk3s9vc_reads_as_amazon_means_it():
    raw = next(
        o
        for r in PO_CASES
        for o in r["payload"].get("orders", [])
        if o["purchaseOrderNumber"] == "2JK3S9VC"
    )
    po = parsing.parse_purchase_order(raw)
    assert po.state == "New" and len(po.items) == 3
    assert po.ship_window is not None and po.ship_window.start < po.ship_window.end
    assert po.ship_to_party.party_id == "ABCD"
    first = po.items[0]
    assert first.net_cost is not None and first.net_cost.currency == "USD"


def test_sandbox_import_po_keeps_its_import_details():
    raw = next(
        o
        for r in PO_CASES
        for o in r["payload"].get("orders", [])
        if o["purchaseOrderNumber"] == "3TRD2IAB"
    )
    po = parsing.parse_purchase_order(raw)
    assert po.import_details is not None
    assert po.import_details.international_commercial_terms


@pytest.mark.parametrize("response", STATUS_CASES)
def test_every_sandbox_status_parses(response):
    for raw in response["payload"]["ordersStatus"]:
        status = parsing.parse_order_status(raw)
        assert status.number == raw["purchaseOrderNumber"]
        assert len(status.items) == len(raw["itemStatus"])


@pytest.mark.parametrize("response", TRANSACTION_CASES)
def test_every_sandbox_transaction_parses(response):
    status = parsing.parse_transaction(response["payload"])
    assert status.status in ("Processing", "Success", "Failure")


def _po(**details):
    item = {
        "itemSequenceNumber": "1",
        "isBackOrderAllowed": False,
        "orderedQuantity": {"amount": 5, "unitOfMeasure": "Cases", "unitSize": 6},
    }
    order = {
        "purchaseOrderDate": "2026-11-01T10:00:00Z",
        "purchaseOrderStateChangedDate": "2026-11-01T10:00:00Z",
        "items": [item],
    }
    order.update(details)
    return {"purchaseOrderNumber": "ZZ12345A", "purchaseOrderState": "New", "orderDetails": order}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"purchaseOrderState": "New"}, "purchaseOrderNumber"),
        (_po(items=None), "orderDetails.items"),
        (_po(purchaseOrderDate="yesterday"), "orderDetails.purchaseOrderDate"),
        (
            _po(
                items=[
                    {
                        "itemSequenceNumber": "1",
                        "isBackOrderAllowed": False,
                        "orderedQuantity": {"amount": "lots"},
                    }
                ]
            ),
            "items[0].orderedQuantity.amount",
        ),
        (
            _po(
                items=[
                    {
                        "itemSequenceNumber": "1",
                        "isBackOrderAllowed": False,
                        "orderedQuantity": {"amount": 1},
                        "netCost": {"currencyCode": "EUR", "amount": "1,50"},
                    }
                ]
            ),
            "items[0].netCost.amount",
        ),
        (_po(shipWindow="2026-11-01"), "orderDetails.shipWindow"),
    ],
)
def test_unreadable_pos_name_the_po_and_the_field(raw, field):
    with pytest.raises(AmazonMappingError) as caught:
        parsing.parse_purchase_order(raw)
    assert caught.value.field == field
    if raw.get("purchaseOrderNumber"):
        assert "ZZ12345A" in str(caught.value)


def test_undocumented_enum_values_are_kept_as_warnings():
    po = parsing.parse_purchase_order(_po(purchaseOrderType="MysteryOrder", paymentMethod="Barter"))
    assert po.purchase_order_type == "MysteryOrder"
    assert len(po.warnings) == 2 and "MysteryOrder" in po.warnings[0]


def test_quantities_in_cases_count_eaches():
    po = parsing.parse_purchase_order(_po())
    assert po.items[0].ordered_quantity.eaches == 30
