"""The rules of a shipment confirmation (ASN) that need its purchase orders: every PO exists
for the selling party, ships to the confirmation's FC, is acknowledged, and no PO line ships
more than its acknowledgement accepted.

Shipped quantities count per PO line (found by ASIN, else by the vendor's product id) in
eaches, over every confirmation of the vendor: what other shipments already confirmed for a
line plus what this one ships must stay within the accepted quantity of the PO's latest
acknowledgement in effect (the vendor's historical one or one sent to the simulator).
"""

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.asn_rules import quantity_in_eaches
from simulator.generator import Line
from simulator.lifecycle import Snapshot, snapshot
from simulator.orders_api import known_index
from simulator.wire import Context, error

Json = Mapping[str, Any]
LineKey = tuple[str, int]  # (PO number, PO line's itemSequenceNumber)


@dataclass(frozen=True)
class Allocation:
    """Part of a shipped item that belongs to one PO."""

    item: Json  # the shipped item (its product identifiers)
    purchase_order: str
    quantity: Json  # ItemQuantity


@dataclass
class OrderCheck:
    """What checking an ASN against its POs found."""

    errors: list[dict[str, str]] = field(default_factory=list)
    quantities: Counter[LineKey] = field(default_factory=Counter)  # eaches per PO line
    case_sizes: dict[str, int] = field(default_factory=dict)  # itemSequenceNumber → case pack


def _po_of(holder: Json) -> str | None:
    number = holder.get("itemDetails", {}).get("purchaseOrderNumber")
    return str(number) if number else None


def _packed(confirmation: Json) -> Iterator[tuple[str, Json]]:
    """(container name, container item) of everything in cartons and on pallets."""
    for carton in confirmation.get("cartons", []):
        for entry in carton["items"]:
            yield f"carton {carton['cartonSequenceNumber']}", entry
    for number, pallet in enumerate(confirmation.get("pallets", []), start=1):
        for entry in pallet.get("items", []):
            yield f"pallet {number}", entry


def po_numbers(confirmation: Json) -> set[str]:
    """Every purchaseOrderNumber an ASN names (items, carton items, pallet items)."""
    named = {_po_of(item) for item in confirmation["shippedItems"]}
    named |= {_po_of(entry) for _, entry in _packed(confirmation)}
    return {number for number in named if number}


def allocations(confirmation: Json, shipment: str, check: OrderCheck) -> list[Allocation]:
    """Which PO each shipped item's quantity belongs to.

    The PO is named on the item, or, when an item mixes POs (or the structure puts orders
    under containers, as MasterPallet does), on each carton/pallet entry of the item.
    """
    found: list[Allocation] = []
    for item in confirmation["shippedItems"]:
        number = item["itemSequenceNumber"]
        entries = [(name, e) for name, e in _packed(confirmation) if e["itemReference"] == number]
        own = _po_of(item)
        if own is not None:
            found.append(Allocation(item, own, item["shippedQuantity"]))
            for name, entry in entries:
                other = _po_of(entry)
                if other is not None and other != own:
                    check.errors.append(
                        error(
                            "INCONSISTENT_ORDER_ID",
                            "A container names another PO than its item.",
                            f"{shipment}, {name}: item {number} is for PO {own}, not {other}.",
                        )
                    )
        elif entries and all(_po_of(entry) for _, entry in entries):
            found += [Allocation(item, str(_po_of(e)), e["shippedQuantity"]) for _, e in entries]
        else:
            check.errors.append(
                error(
                    "MISSING_ORDER_ID",
                    "Every shipped item needs its purchase order number.",
                    f"{shipment}, item {number}: no purchaseOrderNumber on the item or on "
                    "every carton/pallet entry of it.",
                )
            )
    return found


def _line_of(order_lines: tuple[Line, ...], item: Json) -> Line | None:
    asin, ean = item.get("amazonProductIdentifier"), item.get("vendorProductIdentifier")
    for line in order_lines:
        if (asin and line.product.asin == asin) or (not asin and ean and line.product.ean == ean):
            return line
    return None


def _snapshots(
    ctx: Context, confirmation: Json, shipment: str, now: float, check: OrderCheck
) -> dict[str, Snapshot]:
    """The POs the ASN names that exist for its selling party and ship to its FC."""
    seller = confirmation["sellingParty"]["partyId"]
    ship_to = confirmation["shipToParty"]["partyId"]
    found: dict[str, Snapshot] = {}
    for number in sorted(po_numbers(confirmation)):
        index = known_index(ctx, number, now)
        order = None if index is None else ctx.purchase_order(index)
        if index is None or order is None or order.header.vendor_code != seller:
            details = f"{shipment}: PO {number} not found for selling party {seller}."
            check.errors.append(error("INVALID_ORDER_ID", "Invalid order ID.", details))
            continue
        snap = snapshot(order, now, ctx.state.vendor_ack(index, now))
        destination = snap.header.destination(snap.timeline.changed).party_id
        if destination != ship_to:
            check.errors.append(
                error(
                    "SHIP_TO_MISMATCH",
                    "All purchase orders of a shipment must ship to its shipToParty.",
                    f"{shipment}: PO {number} ships to {destination}, not {ship_to}.",
                )
            )
        found[number] = snap
    return found


def order_check(
    ctx: Context, confirmation: Json, now: float, shipped_elsewhere: Mapping[LineKey, int]
) -> OrderCheck:
    """Check an ASN against its POs; `shipped_elsewhere` holds the eaches per PO line that
    the vendor's other shipment confirmations already ship."""
    shipment = f"Shipment {confirmation['shipmentIdentifier']}"
    check = OrderCheck()
    parts = allocations(confirmation, shipment, check)
    orders = _snapshots(ctx, confirmation, shipment, now, check)
    for part in parts:
        snap = orders.get(part.purchase_order)
        if snap is None:
            continue  # already reported
        number = part.item["itemSequenceNumber"]
        line = _line_of(snap.order.lines, part.item)
        if line is None:
            product = part.item.get("amazonProductIdentifier") or part.item.get(
                "vendorProductIdentifier", "no product identifier"
            )
            check.errors.append(
                error(
                    "INVALID_ITEM",
                    "The item is not on the purchase order.",
                    f"{shipment}, item {number} ({product}): not on PO {part.purchase_order}.",
                )
            )
            continue
        check.case_sizes[number] = line.unit_size
        eaches = quantity_in_eaches(part.quantity, line.unit_size)
        check.quantities[(part.purchase_order, line.seq)] += eaches
    check.errors += _over_acknowledged(orders, check.quantities, shipped_elsewhere, shipment)
    return check


def _product(line: Line) -> str:
    return line.product.asin or line.product.ean


def _over_acknowledged(
    orders: Mapping[str, Snapshot],
    quantities: Mapping[LineKey, int],
    shipped_elsewhere: Mapping[LineKey, int],
    shipment: str,
) -> Iterator[dict[str, str]]:
    unacknowledged: set[str] = set()
    for (number, seq), eaches in sorted(quantities.items()):
        state = next(s for s in orders[number].lines if s.line.seq == seq)
        if state.accepted is None:
            if number not in unacknowledged:
                unacknowledged.add(number)
                yield error(
                    "PO_NOT_ACKNOWLEDGED",
                    "The purchase order has not been acknowledged.",
                    f"{shipment}: PO {number} has no acknowledgement.",
                )
            continue
        accepted = state.accepted * (state.line.unit_size if state.line.unit == "Cases" else 1)
        before = shipped_elsewhere.get((number, seq), 0)
        if before + eaches > accepted:
            earlier = f", {before} already in other shipments" if before else ""
            yield error(
                "QUANTITY_EXCEEDS_ACKNOWLEDGED",
                "The shipped quantity is greater than the acknowledged quantity.",
                f"{shipment}: PO {number} line {seq} ({_product(state.line)}) ships "
                f"{eaches} units{earlier}; {accepted} accepted.",
            )
