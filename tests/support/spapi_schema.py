"""Hypothesis strategies for Amazon's SP-API payloads, from the models' JSON schemas.

`load_model(name)` reads one of Amazon's Swagger 2.0 models (simulator/models/, copies
of /work/shared/spapi-models/); `schema_for` turns one of its definitions into a
self-contained JSON schema ($refs inlined); `strategy_for` gives a hypothesis strategy of
payloads valid against it. The schemas alone allow much that Amazon never sends (any string
as a PO number, any integer as a case size, extra keys everywhere), so `strategy_for` narrows
them to what Amazon's documentation describes — the narrowing is listed in `REALISTIC`, and
`realistic=False` drops it.
"""

import copy
import functools
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

MODELS = Path(__file__).resolve().parents[2] / "simulator/models"

# Keys of Swagger that are no JSON Schema validation keywords.
_NOT_VALIDATION = {"description", "example", "examples", "title"}

# Per definition, per property: what Amazon's documentation says beyond the schema.
REALISTIC: dict[str, dict[str, dict[str, Any]]] = {
    "OrderStatus": {
        # "8-character alpha-numeric code"
        "purchaseOrderNumber": {"pattern": r"^[0-9A-Z]{8}\Z"},
        "itemStatus": {"minItems": 1, "maxItems": 6},
    },
    "Order": {"purchaseOrderNumber": {"pattern": r"^[0-9A-Z]{8}\Z"}},
    "PartyIdentification": {"partyId": {"pattern": r"^[0-9A-Z]{3,10}\Z"}},
    "Address": {
        "countryCode": {"pattern": r"^[A-Z]{2}\Z"},
        "name": {"minLength": 1, "maxLength": 40},
        "addressLine1": {"minLength": 1, "maxLength": 60},
    },
    "TaxRegistrationDetails": {"taxRegistrationNumber": {"pattern": r"^[0-9A-Z]{6,14}\Z"}},
    "OrderItemStatus": {
        # "The first item will be 1, the second 2, and so on."
        "itemSequenceNumber": {"pattern": r"^[1-9][0-9]{0,2}\Z"},
        "buyerProductIdentifier": {"pattern": r"^B0[0-9A-Z]{8}\Z"},  # an ASIN
        "vendorProductIdentifier": {"pattern": r"^[0-9]{13}\Z"},  # an EAN
    },
    "ItemQuantity": {
        "amount": {"minimum": 0, "maximum": 100_000},
        "unitSize": {"minimum": 1, "maximum": 1_000},
    },
    "Money": {"currencyCode": {"pattern": r"^[A-Z]{3}\Z"}},
}
# Per definition: properties Amazon always sends though the schema leaves them optional.
REALISTIC_REQUIRED: dict[str, list[str]] = {
    "Money": ["currencyCode", "amount"],
    "ItemQuantity": ["amount"],
}
# Whole definitions replaced by what their description documents.
REALISTIC_DEFINITIONS: dict[str, dict[str, Any]] = {
    # "Follows RFC7159 for number representation", pattern given in the description.
    "Decimal": {"type": "string", "pattern": r"^-?(0|([1-9][0-9]{0,6}))(\.[0-9]{1,4})?\Z"},
}
# Every array kept short: payloads stay small and examples many.
MAX_ITEMS = 4
AMAZON_DATE_TIME = "amazon-date-time"


@functools.cache
def _load(name: str) -> str:
    file = name if name.endswith(".json") else f"{name}.json"
    return (MODELS / file).read_text(encoding="utf-8")


def load_model(name: str) -> dict[str, Any]:
    """Amazon's model `name` ("vendorOrders" or "vendorOrders.json"), a fresh copy."""
    return json.loads(_load(name))


def schema_for(model_name: str, definition_name: str, *, realistic: bool = True) -> dict:
    """A self-contained JSON schema of one definition: $refs inlined, Swagger's
    descriptive keys dropped; with `realistic`, narrowed as `REALISTIC` says and closed to
    undocumented keys (Amazon's answers carry none)."""
    definitions = load_model(model_name)["definitions"]

    def resolve(node: Any, name: str | None = None) -> Any:
        if isinstance(node, list):
            return [resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = node["$ref"].rsplit("/", 1)[-1]
            if realistic and target in REALISTIC_DEFINITIONS:
                return copy.deepcopy(REALISTIC_DEFINITIONS[target])
            return resolve(definitions[target], target)
        out = {
            key: resolve(value) if key not in ("properties", "enum") else value
            for key, value in node.items()
            if key not in _NOT_VALIDATION and not key.startswith("x-")
        }
        if "properties" in node:
            extra = REALISTIC.get(name or "", {}) if realistic else {}
            out["properties"] = {
                prop: {**resolve(spec), **extra.get(prop, {})}
                for prop, spec in node["properties"].items()
            }
            if realistic:
                out["additionalProperties"] = False
                required = {*out.get("required", ()), *REALISTIC_REQUIRED.get(name or "", ())}
                if required:
                    out["required"] = sorted(required)
        if realistic and out.get("type") == "array":
            out.setdefault("maxItems", MAX_ITEMS)
        if realistic and out.get("format") == "date-time":
            out["format"] = AMAZON_DATE_TIME  # ours, not hypothesis-jsonschema's RFC 3339 mix
        return out

    return resolve(definitions[definition_name], definition_name)


def amazon_datetimes() -> st.SearchStrategy[str]:
    """ISO-8601 date-times as Amazon writes them: UTC `Z`, sometimes milliseconds."""
    moments = st.datetimes(
        min_value=datetime(2015, 1, 1),
        max_value=datetime(2035, 12, 31),
    )
    return st.one_of(
        moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")),
        moments.map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"),
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


def _compiled(schema: dict, formats: dict | None) -> st.SearchStrategy:
    """Objects and arrays built with hypothesis' own collections, leaves (strings, numbers,
    enums) by hypothesis-jsonschema: its object strategy merges sub-schemas at every draw,
    half a second or more a status payload, which bounded CI runs cannot afford. An object
    open to other keys (the schema's default) gets a few, of any JSON value."""
    kind = schema.get("type")
    if kind == "object" and "properties" in schema:
        properties = schema["properties"]
        required = set(schema.get("required", ()))
        declared = st.fixed_dictionaries(
            {name: _compiled(properties[name], formats) for name in sorted(required)},
            optional={
                name: _compiled(spec, formats)
                for name, spec in properties.items()
                if name not in required
            },
        )
        if schema.get("additionalProperties") is False:
            return declared
        extra = st.dictionaries(
            st.text(max_size=12).filter(lambda key: key not in properties),
            JSON_VALUES,
            max_size=2,
        )
        return st.tuples(declared, extra).map(lambda parts: {**parts[1], **parts[0]})
    if kind == "array" and isinstance(schema.get("items"), dict):
        return st.lists(
            _compiled(schema["items"], formats),
            min_size=schema.get("minItems", 0),
            max_size=schema.get("maxItems", MAX_ITEMS),
        )
    return from_schema(schema, custom_formats=formats)


def strategy_for(
    model_name: str, definition_name: str, *, realistic: bool = True
) -> st.SearchStrategy[dict[str, Any]]:
    """Payloads of `definition_name` from Amazon's `model_name`, valid against its schema
    (realistic: as `REALISTIC` narrows it; otherwise anything the schema allows)."""
    schema = schema_for(model_name, definition_name, realistic=realistic)
    return _compiled(schema, {AMAZON_DATE_TIME: amazon_datetimes()} if realistic else None)
