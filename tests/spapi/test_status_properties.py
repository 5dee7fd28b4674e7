"""Property tests: getPurchaseOrdersStatus payloads generated from Amazon's schema
(vendorOrders.json, `OrderStatus`) through our status parsing, which the missing- and
changed-orders reconciliation reads.

For every payload the parser gives a faithful `PurchaseOrderStatus` or raises
AmazonMappingError naming the PO and the field by its JSON path — never another exception,
never a default standing in for what Amazon sent. Deterministic (derandomized) and bounded
for CI; `SPAPI_PROPERTY_EXAMPLES=5000` runs longer (see README, "Property tests").
"""

import os
from datetime import datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amazon1p.spapi.errors import AmazonMappingError
from amazon1p.spapi.parsing import parse_order_status
from amazon1p.spapi.types import (
    EACHES,
    ItemStatus,
    Money,
    OrderedQuantityDetail,
    PurchaseOrderStatus,
    Quantity,
)
from tests.support.spapi_schema import strategy_for

EXAMPLES = int(os.environ.get("SPAPI_PROPERTY_EXAMPLES", "100"))
PROPERTY = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # a fixed seed: CI sees the same examples every run
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

STATUSES = strategy_for("vendorOrders", "OrderStatus")
SCHEMA_ONLY = strategy_for("vendorOrders", "OrderStatus", realistic=False)


# --- what a faithful reading is, written independently of the parser ----------------------


def _at(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


def _when(raw: str | None) -> datetime | None:
    return _at(raw) if raw else None


def _quantity(raw: dict | None) -> Quantity | None:
    if raw is None:
        return None
    return Quantity(raw["amount"], raw.get("unitOfMeasure", EACHES), raw.get("unitSize"))


def _money(raw: dict | None) -> Money | None:
    if raw is None:
        return None
    return Money(Decimal(raw["amount"]), raw["currencyCode"], raw.get("unitOfMeasure"))


def _item(raw: dict) -> ItemStatus:
    ordered = raw.get("orderedQuantity", {})
    ack = raw.get("acknowledgementStatus", {})
    receiving = raw.get("receivingStatus", {})
    return ItemStatus(
        sequence_number=raw["itemSequenceNumber"],
        asin=raw.get("buyerProductIdentifier", ""),
        vendor_product_id=raw.get("vendorProductIdentifier", ""),
        net_cost=_money(raw.get("netCost")),
        list_price=_money(raw.get("listPrice")),
        ordered_quantity=_quantity(ordered.get("orderedQuantity")),
        ordered_quantity_details=tuple(
            OrderedQuantityDetail(
                updated_date=_when(detail.get("updatedDate")),
                ordered=_quantity(detail.get("orderedQuantity")),
                cancelled=_quantity(detail.get("cancelledQuantity")),
            )
            for detail in ordered.get("orderedQuantityDetails", [])
        ),
        confirmation_status=ack.get("confirmationStatus", ""),
        accepted_quantity=_quantity(ack.get("acceptedQuantity")),
        rejected_quantity=_quantity(ack.get("rejectedQuantity")),
        acknowledgement_dates=tuple(
            _at(detail["acknowledgementDate"])
            for detail in ack.get("acknowledgementStatusDetails", [])
            if "acknowledgementDate" in detail
        ),
        receive_status=receiving.get("receiveStatus", ""),
        received_quantity=_quantity(receiving.get("receivedQuantity")),
        last_receive_date=_when(receiving.get("lastReceiveDate")),
    )


def faithful(raw: dict) -> PurchaseOrderStatus:
    return PurchaseOrderStatus(
        number=raw["purchaseOrderNumber"],
        status=raw["purchaseOrderStatus"],
        purchase_order_date=_at(raw["purchaseOrderDate"]),
        last_updated_date=_when(raw.get("lastUpdatedDate")),
        selling_party_id=raw["sellingParty"]["partyId"],
        ship_to_party_id=raw["shipToParty"]["partyId"],
        items=tuple(_item(item) for item in raw["itemStatus"]),
    )


@PROPERTY
@given(STATUSES)
def test_every_realistic_status_reads_faithfully(raw):
    assert parse_order_status(raw) == faithful(raw)


@PROPERTY
@given(STATUSES)
def test_the_receiving_view_reads_each_lines_receiving_faithfully(raw):
    full = faithful(raw)
    lean = parse_order_status(raw, receiving_only=True)
    assert (lean.number, lean.status, lean.purchase_order_date) == (
        full.number,
        full.status,
        full.purchase_order_date,
    )
    assert [
        (i.sequence_number, i.receive_status, i.received_quantity, i.last_receive_date)
        for i in lean.items
    ] == [
        (i.sequence_number, i.receive_status, i.received_quantity, i.last_receive_date)
        for i in full.items
    ]
    assert all(i.net_cost is None and i.ordered_quantity is None for i in lean.items)


# --- what the parser reads, and how each field can be wrong -------------------------------

TEXT, DATE, DECIMAL, COUNT, CASE_SIZE = "text", "date", "decimal", "count", "case size"
OBJECT, ARRAY = "object", "array"
QUANTITY = {"amount": (COUNT, True), "unitOfMeasure": (("Cases", "Eaches"), False)}
QUANTITY["unitSize"] = (CASE_SIZE, False)
MONEY = {"amount": (DECIMAL, True)}
PARTY = {"partyId": (TEXT, True)}
ITEM: dict[str, Any] = {
    "itemSequenceNumber": (TEXT, True),
    "buyerProductIdentifier": (TEXT, False),
    "vendorProductIdentifier": (TEXT, False),
    "netCost": (MONEY, False),
    "listPrice": (MONEY, False),
    "orderedQuantity": (
        {
            "orderedQuantity": (QUANTITY, False),
            "orderedQuantityDetails": (
                [
                    {
                        "updatedDate": (DATE, False),
                        "orderedQuantity": (QUANTITY, False),
                        "cancelledQuantity": (QUANTITY, False),
                    }
                ],
                False,
            ),
        },
        False,
    ),
    "acknowledgementStatus": (
        {
            "confirmationStatus": (
                ("ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED", "UNCONFIRMED"),
                False,
            ),
            "acceptedQuantity": (QUANTITY, False),
            "rejectedQuantity": (QUANTITY, False),
            "acknowledgementStatusDetails": ([{"acknowledgementDate": (DATE, False)}], False),
        },
        False,
    ),
    "receivingStatus": (
        {
            "receiveStatus": (("NOT_RECEIVED", "PARTIALLY_RECEIVED", "RECEIVED"), False),
            "receivedQuantity": (QUANTITY, False),
            "lastReceiveDate": (DATE, False),
        },
        False,
    ),
}
ORDER_STATUS: dict[str, Any] = {
    "purchaseOrderNumber": (TEXT, True),
    "purchaseOrderStatus": (("OPEN", "CLOSED"), True),
    "purchaseOrderDate": (DATE, True),
    "lastUpdatedDate": (DATE, False),
    "sellingParty": (PARTY, True),
    "shipToParty": (PARTY, True),
    "itemStatus": ([ITEM], True),
}

# Values of the wrong kind for each kind of field (what a broken answer could carry).
WRONG: dict[str, list[Any]] = {
    TEXT: [1.5, True, [], {"value": "x"}],
    DATE: ["yesterday", "2021-13-45T00:00:00Z", "0001-01-01T00:00:00+05:00", 1.5, False],
    DECIMAL: ["12,50 EUR", "NaN", "-Infinity", "", 1.5, True, None],
    COUNT: [2.5, "many", True, None, [3]],
    CASE_SIZE: [0, -6, 2.5, "six", True],
    "enum": ["PENDING", "open ", 7.0, False],
    OBJECT: [[], "x", 7, True],
    ARRAY: [{}, "x", 7],
}
REQUIRED_TEXT_BLANK = [""]  # a required text present but empty is as good as missing


def _path(parent: str, key: str | int) -> str:
    return f"{parent}[{key}]" if isinstance(key, int) else f"{parent}.{key}" if parent else key


def mutations(raw: dict, spec: dict, at: str = "") -> list[tuple[str, str, Any]]:
    """Every way to break one field the parser reads: (path, "set" | "drop", value)."""
    found: list[tuple[str, str, Any]] = []
    for key, (kind, required) in spec.items():
        path = _path(at, key)
        if key not in raw:
            continue
        if required:
            found.append((path, "drop", None))
        value = raw[key]
        if isinstance(kind, dict):
            found += [(path, "set", wrong) for wrong in WRONG[OBJECT]]
            found += mutations(value, kind, path)
        elif isinstance(kind, list):
            found += [(path, "set", wrong) for wrong in WRONG[ARRAY]]
            for i, item in enumerate(value):
                item_path = _path(path, i)
                found += [(item_path, "set", wrong) for wrong in WRONG[OBJECT]]
                found += mutations(item, kind[0], item_path)
        elif isinstance(kind, tuple):
            found += [(path, "set", wrong) for wrong in WRONG["enum"]]
        else:
            found += [(path, "set", wrong) for wrong in WRONG[kind]]
            if kind == TEXT and required:
                found += [(path, "set", blank) for blank in REQUIRED_TEXT_BLANK]
    return found


def _parts(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name in path.replace("[", ".[").split("."):
        parts.append(int(name[1:-1]) if name.startswith("[") else name)
    return parts


def broken(raw: dict, path: str, how: str, value: Any) -> dict:
    import copy

    copy_ = copy.deepcopy(raw)
    *parents, last = _parts(path)
    node: Any = copy_
    for part in parents:
        node = node[part]
    if how == "drop":
        del node[last]
    else:
        node[last] = value
    return copy_


@PROPERTY
@given(STATUSES, st.data())
def test_a_broken_field_is_refused_by_name(raw, data):
    path, how, value = data.draw(st.sampled_from(mutations(raw, ORDER_STATUS)), label="break")

    try:
        result = parse_order_status(broken(raw, path, how, value))
    except AmazonMappingError as exc:
        assert exc.field == path, (exc.field, path, str(exc))
        if path != "purchaseOrderNumber":
            assert exc.po_number == raw["purchaseOrderNumber"]
            assert str(exc).startswith(f"PO {raw['purchaseOrderNumber']}: {path}: ")
    else:
        raise AssertionError(f"{how} {path} = {value!r} was read as {result!r}")


def _points_into(raw: Any, path: str) -> bool:
    """Whether `path` names a field of `raw`, or a missing key of one of its objects."""
    node = raw
    *parents, last = _parts(path)
    for part in parents:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, dict) or (isinstance(node, list) and isinstance(last, int))


@PROPERTY
@given(SCHEMA_ONLY)
def test_anything_the_schema_allows_reads_or_is_refused_by_name(raw):
    """Beyond what Amazon sends (any string, any size, extra keys): still no crash."""
    try:
        status = parse_order_status(raw)
    except AmazonMappingError as exc:
        assert exc.field and _points_into(raw, exc.field), (exc.field, str(exc))
    else:
        assert status.number == raw["purchaseOrderNumber"]
        assert status.status == raw["purchaseOrderStatus"]
        assert len(status.items) == len(raw["itemStatus"])
        assert status.selling_party_id == raw["sellingParty"]["partyId"]


def test_not_an_object_is_refused():
    for value in (None, [], "PO", 7):
        try:
            parse_order_status(value)
        except AmazonMappingError as exc:
            assert "expected an object" in str(exc)
        else:
            raise AssertionError(value)
