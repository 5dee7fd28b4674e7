"""Fault injection, deterministic from the seed.

Each vendor request gets a sequence number; `plan_faults` draws from a RNG seeded with
(seed, sequence number), always in the same order, so the same seed and the same request
sequence give the same faults whatever the options' values. Malformed POs depend on the PO
number instead, so a PO is malformed every time it is served.
"""

import copy
import random
from dataclasses import dataclass
from typing import Any

from simulator.catalogue import digest, unit_fractions
from simulator.config import SimulatorConfig

MALFORMATIONS = (
    "missing_required",  # orderDetails.purchaseOrderDate removed
    "non_numeric_amount",  # netCost.amount "12,50 EUR"
    "unknown_type",  # purchaseOrderType "DropShipOrder"
    "unknown_unit",  # orderedQuantity.unitOfMeasure "Pallets"
    "unknown_state",  # purchaseOrderState "Pending" (also without details)
)


@dataclass(frozen=True)
class FaultPlan:
    """What goes wrong with one request (nothing, by default)."""

    throttle: bool = False
    error_status: int | None = None  # 500/503 with Amazon's JSON envelope
    html_status: int | None = None  # 502/503 with an HTML gateway page
    truncate_at: float | None = None  # keep this share of the body
    short_page: float = 1.0  # share of `limit` a page holds


def plan_faults(config: SimulatorConfig, seq: int) -> FaultPlan:
    """The faults for request number `seq` under `config`."""
    rng = random.Random(f"{config.seed}:faults:{seq}")
    draws = [rng.random() for _ in range(8)]  # drawn even when unused: stable sequences
    return FaultPlan(
        throttle=draws[0] < config.throttle_rate,
        error_status=(500 if draws[5] < 0.5 else 503) if draws[1] < config.error_rate else None,
        html_status=(502 if draws[6] < 0.5 else 503) if draws[2] < config.html_error_rate else None,
        truncate_at=0.2 + 0.6 * draws[7] if draws[3] < config.truncate_rate else None,
        short_page=0.15 + 0.45 * draws[4] if config.short_pages else 1.0,
    )


def truncate(body: bytes, share: float) -> bytes:
    """The body cut mid-JSON (at least one byte kept, at least one dropped)."""
    if len(body) < 2:
        return b""
    return body[: min(len(body) - 1, max(1, int(len(body) * share)))]


def malformation(config: SimulatorConfig, po_number: str) -> str | None:
    """How PO `po_number` is malformed under `config.malformed_rate` (None: well-formed)."""
    if config.malformed_rate <= 0:
        return None
    u = unit_fractions(digest(config.seed, "malformed", po_number))
    if u[0] >= config.malformed_rate:
        return None
    return MALFORMATIONS[int(u[1] * len(MALFORMATIONS))]


def malform(order: dict[str, Any], kind: str) -> dict[str, Any]:
    """A copy of an `Order` broken the way `kind` says (details may be absent)."""
    broken = copy.deepcopy(order)
    details = broken.get("orderDetails")
    if kind == "unknown_state":
        broken["purchaseOrderState"] = "Pending"
    elif details is None:  # includeDetails=false: only the state could be broken
        return broken
    elif kind == "missing_required":
        details.pop("purchaseOrderDate", None)
    elif kind == "non_numeric_amount":
        item = details["items"][0]
        cost = item.get("netCost") or item["listPrice"]
        cost["amount"] = cost["amount"].replace(".", ",") + " " + cost["currencyCode"]
    elif kind == "unknown_type":
        details["purchaseOrderType"] = "DropShipOrder"
    else:
        details["items"][0]["orderedQuantity"]["unitOfMeasure"] = "Pallets"
    return broken


def html_gateway_page(status: int) -> bytes:
    """The page a load balancer sends instead of JSON."""
    title = {502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable"}[status]
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()
