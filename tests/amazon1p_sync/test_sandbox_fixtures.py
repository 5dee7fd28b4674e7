"""Amazon's own example POs (the static sandbox cases of getPurchaseOrders and getPurchaseOrder
in vendorOrders.json) import field by field.

Table-driven over every detailed example in the model, so a model update that adds one is
covered. The expected values are read from the example JSON here, not from our parser:
quantities in eaches, prices with their weight unit and currency (netCost, else listPrice),
no price where Amazon sent none, parties, windows, import details, and the alerts a person
must see (weight pricing, missing net cost, a foreign currency).
"""

import json
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from amazon1p.importing.models import AmazonPurchaseOrder
from amazon1p.importing.order_mapping import IMPORT_PARAMETERS, PARTY_ROLES
from amazon1p.importing.sync import mapping_context
from amazon1p.importing.upsert import purchase_orders_upsert
from amazon1p.spapi.client import read_purchase_order
from amazon1p.spapi.types import PurchaseOrder
from orders.models import Order
from shops.models import Alert
from tests.amazon1p_sync.conftest import connect

MODEL = Path(__file__).resolve().parents[2] / "simulator/models/vendorOrders.json"
ADDRESS_KEYS = {
    "name": "name",
    "addressLine1": "address_line1",
    "addressLine2": "address_line2",
    "addressLine3": "address_line3",
    "city": "city",
    "county": "county",
    "district": "district",
    "stateOrRegion": "state_or_region",
    "postalCode": "postal_code",
    "countryCode": "country_code",
    "phone": "phone",
}
ROLE_KEYS = {
    "buying": "buyingParty",
    "selling": "sellingParty",
    "bill_to": "billToParty",
    "ship_to": "shipToParty",
}
IMPORT_KEYS = {
    "method_of_payment": "methodOfPayment",
    "international_commercial_terms": "internationalCommercialTerms",
    "port_of_delivery": "portOfDelivery",
    "import_containers": "importContainers",
    "shipping_instructions": "shippingInstructions",
}


def _example_pos() -> list[dict]:
    """Every distinct example PO with details (one listed twice or thrice counts once)."""
    spec = json.loads(MODEL.read_text())
    found: dict[str, dict] = {}
    for methods in spec["paths"].values():
        for op in methods.values():
            if not isinstance(op, dict):
                continue
            if op.get("operationId") not in ("getPurchaseOrders", "getPurchaseOrder"):
                continue
            for case in op["responses"]["200"]["x-amzn-api-sandbox"]["static"]:
                payload = case["response"]["payload"]
                for po in payload.get("orders", [payload]):
                    if "orderDetails" in po:
                        key = json.dumps(po, sort_keys=True)
                        found.setdefault(key, po)
    return list(found.values())


EXAMPLES = _example_pos()


def test_the_model_holds_every_kind_of_example_we_rely_on():
    items = [i for po in EXAMPLES for i in po["orderDetails"]["items"]]
    assert len(EXAMPLES) >= 8
    assert any(i.get("netCost", {}).get("unitOfMeasure") == "POUNDS" for i in items)
    assert any("netCost" not in i for i in items)
    assert any(i["orderedQuantity"]["amount"] == 0 for i in items)
    assert any(i.get("listPrice", {}).get("currencyCode") == "INR" for i in items)


def _eaches(quantity: dict) -> int:
    if quantity.get("unitOfMeasure", "Eaches").lower() == "cases":
        return quantity["amount"] * quantity["unitSize"]
    return quantity["amount"]


def _expected_party(raw: dict) -> dict:
    expected = {"party_id": raw["partyId"]}
    for key, name in ADDRESS_KEYS.items():
        if raw.get("address", {}).get(key):
            expected[name] = raw["address"][key]
    tax = raw.get("taxInfo") or {}
    if tax.get("taxRegistrationType"):
        expected["tax_registration_type"] = tax["taxRegistrationType"]
    if tax.get("taxRegistrationNumber"):
        expected["tax_registration_number"] = tax["taxRegistrationNumber"]
    return expected


class _Sim:  # `connect` wants the simulator only for its URL; nothing is called here
    base_url = "http://127.0.0.1:9"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "raw", EXAMPLES, ids=[f"{po['purchaseOrderNumber']}-{i}" for i, po in enumerate(EXAMPLES)]
)
def test_amazons_example_po_imports_field_by_field(shop, raw):
    ctx = mapping_context(connect(shop, _Sim()))
    po = read_purchase_order(raw)
    assert isinstance(po, PurchaseOrder), po

    result = purchase_orders_upsert(shop=shop, ctx=ctx, orders=[po])

    assert (result.new, result.failed) == (1, 0), result.errors
    number, details = raw["purchaseOrderNumber"], raw["orderDetails"]
    order = Order.objects.get(shop=shop, number=number)
    assert order.ordered_at == datetime.fromisoformat(
        details["purchaseOrderDate"].replace("Z", "+00:00")
    )
    items = details["items"]
    net = [i["netCost"] for i in items if "netCost" in i]
    currency = (net or [i["listPrice"] for i in items])[0]["currencyCode"]
    assert order.currency == currency  # the PO's, never silently the shop's

    rows = list(order.rows.order_by("position"))
    assert len(rows) == len(items)
    for row, item in zip(rows, items, strict=True):
        assert row.quantity == _eaches(item["orderedQuantity"])  # 0 stays 0
        assert row.asin == item.get("amazonProductIdentifier", "")
        assert row.ean == item.get("vendorProductIdentifier", "")
        if "netCost" in item:
            assert row.unit_price == Decimal(item["netCost"]["amount"])
            assert row.price_unit == item["netCost"].get("unitOfMeasure", "")
        else:
            assert row.unit_price is None  # unknown, not 0.00
        if "listPrice" in item:
            assert row.list_price == Decimal(item["listPrice"]["amount"])
            assert row.list_price_unit == item["listPrice"].get("unitOfMeasure", "")
        assert not row.credit_rows.exists()  # a zero line needs no credit row

    for role, key in ROLE_KEYS.items():
        assert order.parties[role] == _expected_party(details[key])
    assert [role for role, _ in PARTY_ROLES] == list(ROLE_KEYS)

    params = dict(order.parameters.values_list("key", "value"))
    for key, name in (("shipWindow", "ShipWindow"), ("deliveryWindow", "DeliveryWindow")):
        if key in details:
            start, end = details[key].split("--")
            stored_start, stored_end = params[name].split("--")
            assert datetime.fromisoformat(stored_start) == datetime.fromisoformat(
                start.replace("Z", "+00:00")
            )
            assert datetime.fromisoformat(stored_end) == datetime.fromisoformat(
                end.replace("Z", "+00:00")
            )
        else:
            assert name not in params
    imports = details.get("importDetails", {})
    for attr, name in IMPORT_PARAMETERS:
        assert params.get(name, "") == imports.get(IMPORT_KEYS[attr], "")

    alerts = list(Alert.objects.filter(shop=shop).values_list("message", flat=True))
    weight = [a for a in alerts if "per weight unit" in a]
    no_cost = [a for a in alerts if "without a net cost" in a]
    foreign = [a for a in alerts if "not the shop currency" in a]
    by_weight = any(i.get("netCost", {}).get("unitOfMeasure") for i in items)
    assert len(weight) == (1 if by_weight else 0)
    assert len(no_cost) == (1 if len(net) < len(items) else 0)
    assert len(foreign) == (1 if currency != shop.currency else 0)
    if foreign:
        assert currency in foreign[0] and shop.currency in foreign[0]
    stored = AmazonPurchaseOrder.objects.get(shop=shop, po_number=number)
    assert stored.raw == raw and not stored.is_malformed
