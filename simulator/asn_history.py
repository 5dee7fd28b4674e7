"""The rules of a shipment confirmation (ASN) that depend on the vendor's earlier ones.

- `shipmentIdentifier` is unique for 365 days: an `Original` for an identifier already
  confirmed is a duplicate.
- A `Replace` repeats the shipmentIdentifier and sellingParty of an earlier successful
  confirmation and may only reduce it: no PO line above the version it replaces, no new line.
- An SSCC and a bill of lading number belong to one shipment for 365 days.

`earlier` is every stored version, oldest first (see `SimulatorState.shipments`), plus the
confirmations accepted before this one in the same request.
"""

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from simulator.asn_orders import LineKey
from simulator.asn_rules import ssccs_of
from simulator.state import ShipmentRecord
from simulator.wire import error

Json = Mapping[str, Any]
REUSE_DAYS = 365
_REUSE_SECONDS = REUSE_DAYS * 86_400


def _recent(earlier: Sequence[ShipmentRecord], now: float) -> list[ShipmentRecord]:
    return [record for record in earlier if record.received_at > now - _REUSE_SECONDS]


def current_versions(earlier: Sequence[ShipmentRecord], now: float) -> dict[str, ShipmentRecord]:
    """The latest version of every shipment confirmed within 365 days, by identifier."""
    return {record.identifier: record for record in _recent(earlier, now)}


def shipped_elsewhere(
    identifier: str, earlier: Sequence[ShipmentRecord], now: float
) -> Counter[LineKey]:
    """Eaches per PO line that the other shipments (their latest versions) ship."""
    total: Counter[LineKey] = Counter()
    for other, record in current_versions(earlier, now).items():
        if other != identifier:
            total.update(record.quantities)
    return total


def history_errors(
    confirmation: Json,
    quantities: Mapping[LineKey, int],
    earlier: Sequence[ShipmentRecord],
    now: float,
) -> list[dict[str, str]]:
    """Every rule `confirmation` (shipping `quantities` per PO line) breaks given `earlier`."""
    return [
        *_version_errors(confirmation, quantities, earlier, now),
        *_reuse_errors(confirmation, earlier, now),
    ]


def _version_errors(
    confirmation: Json,
    quantities: Mapping[LineKey, int],
    earlier: Sequence[ShipmentRecord],
    now: float,
) -> Iterator[dict[str, str]]:
    identifier = confirmation["shipmentIdentifier"]
    shipment = f"Shipment {identifier}"
    previous = current_versions(earlier, now).get(identifier)
    if confirmation["shipmentConfirmationType"] == "Original":
        if previous is not None:
            yield error(
                "DUPLICATE_SHIPMENT_ID",
                "This shipmentIdentifier was already confirmed; send a Replace to change it.",
                f"{shipment}: confirmed before by {previous.selling_party}.",
            )
        return
    seller = confirmation["sellingParty"]["partyId"]
    if previous is None or previous.selling_party != seller:
        yield error(
            "REPLACE_WITHOUT_ORIGINAL",
            "A Replace needs an earlier confirmation with the same shipmentIdentifier and "
            "sellingParty.",
            f"{shipment}: nothing confirmed for selling party {seller}.",
        )
        return
    for (number, seq), eaches in sorted(quantities.items()):
        before = previous.quantities.get((number, seq))
        if before is None:
            yield error(
                "REPLACE_ADDS_ITEM",
                "A Replace may not add items.",
                f"{shipment}: PO {number} line {seq} was not in the confirmation it replaces.",
            )
        elif eaches > before:
            yield error(
                "REPLACE_INCREASES_QUANTITY",
                "A Replace may only reduce quantities.",
                f"{shipment}: PO {number} line {seq} ships {eaches} units, {before} before.",
            )


def _reuse_errors(
    confirmation: Json, earlier: Sequence[ShipmentRecord], now: float
) -> Iterator[dict[str, str]]:
    identifier = confirmation["shipmentIdentifier"]
    others = [record for record in _recent(earlier, now) if record.identifier != identifier]
    used = {number: record.identifier for record in others for number in record.ssccs}
    for name, number in ssccs_of(confirmation):
        if number in used:
            yield error(
                "SSCC_REUSED",
                "An SSCC may not be reused within 365 days.",
                f"Shipment {identifier}, {name}: SSCC {number} was used by shipment "
                f"{used[number]}.",
            )
    bill = _bill_of_lading(confirmation)
    taken = next(
        (r.identifier for r in others if bill and _bill_of_lading(r.confirmation) == bill), None
    )
    if taken is not None:
        yield error(
            "DUPLICATE_BILL_OF_LADING",
            "The bill of lading number must be unique for every shipment.",
            f"Shipment {identifier}: billOfLadingNumber {bill} was used by shipment {taken}.",
        )


def _bill_of_lading(confirmation: Json) -> str:
    return str(confirmation.get("transportationDetails", {}).get("billOfLadingNumber", "")).strip()
