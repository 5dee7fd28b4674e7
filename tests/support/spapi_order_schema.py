"""Hypothesis strategies from Amazon's own JSON schemas (the models in simulator/models).

`strategy_for("vendorOrders", "Order")` generates values of a model definition with every
`$ref` resolved. Where the schema says no more than "a string", the strategy says what Amazon
actually sends, most of the time: ISO-8601 date-times, `start--end` intervals, decimal
amounts, ISO-4217 currency codes, realistic quantities. A small share of each is still odd
(a year 9999, a negative or over-precise amount, an interval that is no interval, a currency
that is no code), so the properties cover what a sloppy payload would bring too.

Self-contained (`spapi_schema.py` beside it serves the status properties): only the standard
library, hypothesis and hypothesis-jsonschema.
"""

import functools
import json
import string
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

MODELS = Path(__file__).resolve().parents[2] / "simulator" / "models"

CURRENCIES = ("USD", "EUR", "GBP", "INR", "JPY", "CAD", "PLN", "SEK")


@functools.cache
def load_model(name: str) -> dict[str, Any]:
    """One of Amazon's models by name ("vendorOrders" or "vendorOrders.json")."""
    filename = name if name.endswith(".json") else f"{name}.json"
    return json.loads((MODELS / filename).read_text())


def resolved(model_name: str, definition_name: str) -> dict[str, Any]:
    """A definition with its `$ref`s inlined, documentation keys dropped and the bare strings
    that need a realistic form marked with a custom format (see `_FORMATS`)."""
    definitions = load_model(model_name)["definitions"]
    return _resolve(definitions[definition_name], definitions, (definition_name,))


# Optional in the schema, yet always sent where we read them: an Order's details come with
# every PO a sync lists (includeDetails=true) and getPurchaseOrder.
ALWAYS_SENT = {"Order": ("orderDetails",)}
# Optional in the schema and nearly always sent: four in five generated values have them.
USUALLY_SENT = {
    "Money": ("amount", "currencyCode"),
    "ItemQuantity": ("amount", "unitOfMeasure", "unitSize"),
}


# Definitions that are plain strings in the schema, and what they hold.
_STRING_DEFINITIONS = {"Decimal": "amz-decimal", "DateTimeInterval": "amz-interval"}
_DOC_KEYS = ("description", "example", "x-docgen-enum-table-extension")


def _resolve(node: Any, definitions: dict[str, Any], path: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_resolve(value, definitions, path) for value in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in _STRING_DEFINITIONS:
            return {"type": "string", "format": _STRING_DEFINITIONS[name]}
        if name in path:
            raise ValueError(f"recursive $ref {name} in {' > '.join(path)}")
        schema = _resolve(definitions[name], definitions, (*path, name))
        if name in USUALLY_SENT:
            usual = {
                **schema,
                "required": sorted({*schema.get("required", ()), *USUALLY_SENT[name]}),
            }
            return {"x-usually": usual, "x-else": schema}
        return schema
    if "properties" in node:
        # Amazon sends the documented keys only; undocumented ones would be ignored anyway
        # and only slow the generation down.
        node = {**node, "additionalProperties": False}
        extra = ALWAYS_SENT.get(path[-1], ()) if path else ()
        if extra:
            node["required"] = sorted({*node.get("required", ()), *extra})
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DOC_KEYS:
            continue
        if key == "properties":
            result[key] = {
                prop: _property(prop, _resolve(schema, definitions, path))
                for prop, schema in value.items()
            }
        else:
            result[key] = _resolve(value, definitions, path)
    if result.get("format") == "date-time":
        result["format"] = "amz-date-time"
    return result


def _property(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """Per-property realism the schema leaves out."""
    if name == "currencyCode":
        return {"type": "string", "format": "amz-currency"}
    if name == "purchaseOrderNumber":
        return {"type": "string", "format": "amz-po-number"}
    if name == "partyId":
        return {"type": "string", "format": "amz-party-id"}
    if name == "itemSequenceNumber":
        return {"type": "string", "format": "amz-sequence"}
    if name == "amazonProductIdentifier":
        return {"type": "string", "format": "amz-asin"}
    if name == "vendorProductIdentifier":
        return {"type": "string", "format": "amz-ean"}
    if name in ("amount", "unitSize") and schema.get("type") == "integer":
        # ItemQuantity: Amazon's quantities are small and not negative, and case sizes at
        # least 1; a few out of range stay, to check they are refused with a reason.
        return {"type": "string", "format": f"amz-{name.lower()}-int"}
    return schema


def _text_dates() -> st.SearchStrategy[str]:
    moments = st.datetimes(
        min_value=datetime(2019, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(UTC)
    )
    zones = st.sampled_from(["Z", "+00:00", "+05:30", "-07:00", ""])

    def text(moment: datetime, zone: str, fraction: bool) -> str:
        base = moment.strftime("%Y-%m-%dT%H:%M:%S")
        if fraction:
            base += f".{moment.microsecond // 1000:03d}"
        return base + zone

    realistic = st.builds(text, moments, zones, st.booleans())
    odd = st.sampled_from(
        ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00", "2024-02-30T00:00:00Z", "soon"]
    )
    return _mostly(realistic, odd)


def _intervals(dates: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    starts = st.datetimes(
        min_value=datetime(2019, 1, 1), max_value=datetime(2031, 12, 31), timezones=st.just(UTC)
    )

    def interval(start: datetime, days: int) -> str:
        end = start + timedelta(days=days)
        return f"{start:%Y-%m-%dT%H:%M:%SZ}--{end:%Y-%m-%dT%H:%M:%SZ}"

    realistic = st.builds(interval, starts, st.integers(0, 30))
    odd = st.one_of(dates, st.builds(lambda a, b: f"{a}--{b}", dates, dates), st.text(max_size=8))
    return _mostly(realistic, odd)


def _decimals() -> st.SearchStrategy[str]:
    cents = st.integers(0, 10_000_000).map(lambda c: str(Decimal(c) / 100))
    whole = st.integers(0, 100_000).map(str)
    odd = st.one_of(
        st.sampled_from(["-1.00", "0", "1E+3", "12.34567", "123456789.00", "0.0001", "1e-7"]),
        st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
    )
    return _mostly(st.one_of(cents, cents, cents, whole), odd)


def _po_numbers() -> st.SearchStrategy[str]:
    alnum = string.ascii_uppercase + string.digits
    return _mostly(st.text(alnum, min_size=8, max_size=8), st.text(min_size=0, max_size=60))


def _product_ids(size: int, alphabet: str) -> st.SearchStrategy[str]:
    """ASINs (10 letters or digits) and EANs (13 digits), now and then any text."""
    return _mostly(st.text(alphabet, min_size=size, max_size=size), st.text(max_size=20))


def _mostly(usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`usual` nine times in ten, else `odd` (odd on 9, not 0: hypothesis favours 0)."""
    return st.integers(0, 9).flatmap(lambda n: odd if n == 9 else usual)


def _formats() -> dict[str, st.SearchStrategy[Any]]:
    dates = _text_dates()
    return {
        "amz-date-time": dates,
        "amz-interval": _intervals(dates),
        "amz-decimal": _decimals(),
        "amz-currency": _mostly(st.sampled_from(CURRENCIES), st.text(max_size=3)),
        "amz-po-number": _po_numbers(),
        "amz-party-id": _mostly(
            st.text(string.ascii_uppercase + string.digits, min_size=3, max_size=6),
            st.text(max_size=12),
        ),
        "amz-sequence": _mostly(st.integers(1, 99).map(str), st.text(max_size=5)),
        "amz-asin": _product_ids(10, string.ascii_uppercase + string.digits),
        "amz-ean": _product_ids(13, string.digits),
        "amz-amount-int": _mostly(st.integers(0, 500), st.integers(-5, 10**10)),
        "amz-unitsize-int": _mostly(st.integers(1, 48), st.integers(-1, 10**6)),
    }


def _strategy(schema: dict[str, Any], formats: dict[str, st.SearchStrategy[Any]]):
    """Objects and arrays composed here, every other schema through hypothesis-jsonschema.

    (Its own object strategy builds the strategies of an object's properties anew at every
    draw: about a second per Order, too slow for a property test in CI.)"""
    if "x-usually" in schema:
        return _mostly(
            _strategy(schema["x-usually"], formats), _strategy(schema["x-else"], formats)
        )
    if "properties" in schema:
        required = set(schema.get("required", ()))
        props = {name: _strategy(sub, formats) for name, sub in schema["properties"].items()}
        return st.fixed_dictionaries(
            {name: strategy for name, strategy in props.items() if name in required},
            optional={name: strategy for name, strategy in props.items() if name not in required},
        )
    if schema.get("type") == "array":
        return st.lists(_strategy(schema.get("items", {}), formats), max_size=6)
    if schema.get("format") in formats:
        return formats[schema["format"]]
    return from_schema(schema, custom_formats={})


def strategy_for(model_name: str, definition_name: str) -> st.SearchStrategy[Any]:
    """Values of `definition_name` in Amazon's model `model_name`, as described above."""
    return _strategy(resolved(model_name, definition_name), _formats())
