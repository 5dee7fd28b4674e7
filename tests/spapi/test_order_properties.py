"""Property tests from Amazon's schema: purchase orders generated from the `Order` definition of
vendorOrders.json (tests/support/spapi_order_schema.py) go through the real import.

For every generated PO the import either stores an order with every field faithful (quantities
in eaches, prices with their unit and currency, parties, windows, import details) or records
an error for that PO naming the field; it never raises, and never turns a missing price into a
zero. The acknowledgement built from a stored PO validates against SubmitAcknowledgementRequest.

Seeded and bounded for CI (profile "ci", the default: well under a minute). A longer run,
unseeded (README, "Amazon 1P synchronization"):
    HYPOTHESIS_PROFILE=long bash .ci/run tests/spapi/test_order_properties.py
"""

import os
import re
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest
from django.db import transaction
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from amazon1p.acknowledgements.building import LineAnswer, acknowledgement_json
from amazon1p.importing.models import AmazonPurchaseOrder
from amazon1p.importing.order_mapping import (
    IMPORT_PARAMETERS,
    PARAM_DELIVERY_WINDOW,
    PARAM_SHIP_WINDOW,
    PARAMETER_MAX,
    PARTY_ROLES,
    map_purchase_order,
    party_values,
)
from amazon1p.importing.sync import mapping_context
from amazon1p.importing.upsert import purchase_orders_upsert
from amazon1p.spapi.client import read_purchase_order
from amazon1p.spapi.errors import AmazonMappingError
from amazon1p.spapi.types import MalformedPurchaseOrder, PurchaseOrder
from orders.models import Order
from tests.amazon1p_sync.conftest import connect
from tests.support.spapi_order_schema import CURRENCIES, load_model, strategy_for

settings.register_profile(
    "ci",
    max_examples=120,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # "explain" alone took 80 s
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "long",
    max_examples=5_000,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

ORDERS = strategy_for("vendorOrders", "Order")


@st.composite
def purchase_orders(draw: Any) -> dict[str, Any]:
    """Orders as the schema allows, most of them priced in one currency as Amazon prices a
    PO (the schema lets each Money pick its own)."""
    order = draw(ORDERS)
    if draw(st.integers(0, 4)):  # four in five
        currency = draw(st.sampled_from(CURRENCIES))
        for item in order.get("orderDetails", {}).get("items", []):
            for key in ("netCost", "listPrice"):
                if isinstance(item.get(key), dict) and "currencyCode" in item[key]:
                    item[key]["currencyCode"] = currency
    return order


class _Sim:  # `connect` wants the simulator only for its URL; nothing is called
    base_url = "http://127.0.0.1:9"


@pytest.fixture
def ctx_and_shop(shop):
    connection = connect(shop, _Sim())
    return mapping_context(connection), shop


def _validator() -> jsonschema.Draft4Validator:
    model = load_model("vendorOrders")
    schema = {
        "$ref": "#/definitions/SubmitAcknowledgementRequest",
        "definitions": model["definitions"],
    }
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


ACK_SCHEMA = _validator()
FIELD = re.compile(r"^(PO .*?: )?(?P<field>[A-Za-z]+[\w.\[\]]*): ", re.DOTALL)


def _store(shop, ctx, raw: dict[str, Any]):
    """What a sync does with one PO of a page: read it, then upsert it."""
    read = read_purchase_order(raw)
    if isinstance(read, MalformedPurchaseOrder):
        return read, purchase_orders_upsert(shop=shop, ctx=ctx, orders=[], malformed=[read])
    return read, purchase_orders_upsert(shop=shop, ctx=ctx, orders=[read])


def _check_stored(po: PurchaseOrder, ctx, shop) -> None:
    values = map_purchase_order(po, ctx)  # raised already if it could not be mapped
    order = Order.objects.get(shop=shop, number=po.number)
    assert order.ordered_at == po.purchase_order_date
    prices = [m for i in po.items for m in (i.net_cost, i.list_price) if m is not None]
    net = [i.net_cost for i in po.items if i.net_cost is not None]
    expected_currency = (net or prices)[0].currency if prices else ctx.shop_currency
    assert order.currency == expected_currency
    rows = list(order.rows.order_by("position"))
    assert len(rows) == len(po.items)
    for row, item in zip(rows, po.items, strict=True):
        assert row.quantity == item.ordered_quantity.eaches
        if item.ordered_quantity.unit == "Cases":
            assert row.ordered_cases == item.ordered_quantity.amount
            assert row.case_size == item.ordered_quantity.unit_size
        if item.net_cost is None:
            assert row.unit_price is None  # unknown, never a silent zero
        else:
            assert row.unit_price == item.net_cost.amount
            assert row.price_unit == (item.net_cost.unit_of_measure or "")
        if item.list_price is None:
            assert row.list_price is None
        else:
            assert row.list_price == item.list_price.amount
            assert row.list_price_unit == (item.list_price.unit_of_measure or "")
        assert (row.asin, row.ean) == (item.asin, item.vendor_product_id)
    for role, attr in PARTY_ROLES:
        party = getattr(po, attr)
        assert order.parties.get(role) == (party_values(party) if party else None)
    params = dict(order.parameters.values_list("key", "value"))
    for key, window in (
        (PARAM_SHIP_WINDOW, po.ship_window),
        (PARAM_DELIVERY_WINDOW, po.delivery_window),
    ):
        if window is None:
            assert key not in params
        else:
            start, end = params[key].split("--")
            assert datetime.fromisoformat(start) == window.start
            assert datetime.fromisoformat(end) == window.end
    for attr, key in IMPORT_PARAMETERS:
        value = getattr(po.import_details, attr) if po.import_details else ""
        assert params.get(key, "") == value[:PARAMETER_MAX]
    assert values.number == order.number


def _check_acknowledgement(po: PurchaseOrder) -> None:
    answers = [LineAnswer(item=i, accepted=i.ordered_quantity.eaches) for i in po.items]
    try:
        body = acknowledgement_json(po, answers, datetime(2026, 12, 3, 10, tzinfo=UTC))
    except ValueError as exc:  # the one refusal: no selling party to acknowledge as
        assert po.selling_party is None, exc
        return
    errors = sorted(ACK_SCHEMA.iter_errors({"acknowledgements": [body]}), key=str)
    assert not errors, errors[0]


@pytest.mark.django_db
@settings(settings.get_profile(PROFILE))
@given(raw=purchase_orders())
def test_generated_purchase_orders_import_faithfully_or_name_the_field(ctx_and_shop, raw):
    ctx, shop = ctx_and_shop
    with transaction.atomic():
        read, result = _store(shop, ctx, raw)
        if result.failed:
            event("recorded as an error")
            (number, message) = result.errors[0]
            match = FIELD.match(message)
            assert match, f"the error does not name a field: {message}"
            # what the run stores as SyncRunError: no NUL, a number that fits
            assert "\x00" not in number + message and len(number) <= 40
            given_number = raw.get("purchaseOrderNumber")
            if isinstance(given_number, str) and number == given_number and number:
                stored = AmazonPurchaseOrder.objects.get(shop=shop, po_number=number)
                assert stored.is_malformed and stored.error == message
                assert not Order.objects.filter(shop=shop, number=number).exists()
        else:
            event("imported")
            assert result.new == 1
            _check_stored(read, ctx, shop)
            _check_acknowledgement(read)
        transaction.set_rollback(True)  # each example starts from the same shop


def test_a_mapping_error_names_its_field():
    """The pattern the property test relies on reads our error messages."""
    message = str(AmazonMappingError("is missing", po_number="X1", field="items[0].netCost"))
    assert FIELD.match(message).group("field") == "items[0].netCost"
    assert FIELD.match("PO X1: no field here") is None
