"""Request, response and context types shared by the operation handlers, plus Amazon's
JSON error envelope.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.config import SimulatorConfig
from simulator.faults import FaultPlan
from simulator.generator import (
    PoHeader,
    PurchaseOrder,
    World,
    header,
    purchase_order,
)
from simulator.state import OFFER_INDEX_BASE, RenderCache, SimulatorState
from simulator.validation import InputError, TokenCodec

# Query parameters and body keys python-amazon-sp-api adds to every call; Amazon ignores
# them on the vendor APIs (they stay in the request log).
INJECTED_QUERY = frozenset({"MarketplaceId", "MarketplaceIds", "marketplace_ids", "marketplaceIds"})
INJECTED_BODY = frozenset({"marketplaceIds", "MarketplaceIds"})


@dataclass(frozen=True)
class Request:
    """An HTTP request as the handlers see it."""

    method: str
    path: str
    query: Mapping[str, str]  # first value of each parameter
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    now: float

    def json_body(self) -> Any:
        """The JSON body, without the keys the client library injects; InputError if bad."""
        if "json" not in self.headers.get("content-type", "application/json"):
            raise InputError(
                "The request content type must be application/json.",
                code="UnsupportedMediaType",
                status=415,
            )
        try:
            data = json.loads(self.body or b"null")
        except ValueError:
            raise InputError("The request body is not valid JSON.") from None
        if isinstance(data, dict):
            data = {key: value for key, value in data.items() if key not in INJECTED_BODY}
        return data


@dataclass
class Response:
    """What the server sends back."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """Everything an operation handler may use."""

    config: SimulatorConfig
    world: World
    state: SimulatorState
    codec: TokenCodec
    faults: FaultPlan
    renders: RenderCache

    def po_header(self, index: int) -> PoHeader:
        """The header of PO `index`: generated, or created from an uploaded offer.

        The index must be one that exists (listing, `known_index`); a forgotten offer PO
        raises KeyError.
        """
        if index < OFFER_INDEX_BASE:  # the generated schedule: no lock, no lookup
            return header(self.world, index)
        return self._offer_order(index).header

    def purchase_order(self, index: int) -> PurchaseOrder:
        """The full PO `index` (see `po_header`)."""
        if index < OFFER_INDEX_BASE:
            return purchase_order(self.world, index)
        return self._offer_order(index)

    def _offer_order(self, index: int) -> PurchaseOrder:
        order = self.state.offer_order(index)
        if order is None:
            raise KeyError(f"no PO with index {index}: the simulator was reset")
        return order


def json_bytes(data: Any) -> bytes:
    """Compact JSON, as every response body is encoded (fragments of it join byte for byte)."""
    return json.dumps(data, separators=(",", ":")).encode()


def json_response(status: int, data: Any) -> Response:
    return Response(status, json_bytes(data))


def error_response(status: int, code: str, message: str, details: str = "") -> Response:
    """Amazon's error envelope: `{"errors": [{"code", "message", "details"}]}`."""
    return json_response(status, {"errors": [error(code, message, details)]})


def error(code: str, message: str, details: str = "") -> dict[str, str]:
    return {"code": code, "message": message, "details": details}
