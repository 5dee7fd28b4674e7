"""Rules a shipment confirmation (ASN) must keep on its own, before any PO is looked at:
the shipped date, the transport references, SSCC identifiers, and a consistent structure of
items, cartons and pallets.

Each check yields Amazon-style errors (`{code, message, details}`) whose details name the
shipment and the item or container at fault. The rules come from the vendorShipments model's
field descriptions (docs/amazon.md, "Shipment confirmations (ASN)").
"""

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from simulator.validation import parse_date_time
from simulator.wire import error

Json = Mapping[str, Any]
DAY = 86_400
# Amazon: "Shipped date … should not be in the future"; a vendor's clock may run a little fast.
CLOCK_SKEW = 5 * 60
# An ASN is due within 30 minutes of departure; one about a week-old departure is refused.
MAX_SHIPPED_AGE = 7 * DAY
# Hierarchies with pallets at their top or middle (the model's shipmentStructure table).
PALLETISED = frozenset(
    {"PalletizedAssortmentCase", "PalletOfItems", "PalletizedStandardCase", "MasterPallet"}
)
# Full and less-than truckloads travel on a paper bill of lading that the ASN must quote.
NEEDS_BILL_OF_LADING = frozenset({"TruckLoad", "LessThanTruckLoad"})
_SCAC = re.compile(r"^[A-Za-z]{2,4}$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y")


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of a digit string: weights 3, 1, 3, … from the right."""
    total = sum(int(digit) * (3 if i % 2 == 0 else 1) for i, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def sscc_problem(number: str) -> str | None:
    """Why `number` is not an SSCC-18 (None when it is one)."""
    if not re.fullmatch(r"\d{18}", number):
        return "an SSCC is 18 digits"
    expected = gs1_check_digit(number[:17])
    if int(number[17]) != expected:
        return f"the check digit should be {expected}, not {number[17]}"
    return None


def ssccs_of(confirmation: Json) -> list[tuple[str, str]]:
    """(container name, SSCC) of every SSCC identifier on the cartons and pallets."""
    found = []
    for name, container, key in containers(confirmation):
        for identifier in container.get(key, []):
            if identifier["containerIdentificationType"] == "SSCC":
                found.append((name, identifier["containerIdentificationNumber"]))
    return found


def containers(confirmation: Json) -> Iterator[tuple[str, Json, str]]:
    """(name for messages, container, identifiers key) of every carton, then every pallet."""
    for carton in confirmation.get("cartons", []):
        yield f"carton {carton['cartonSequenceNumber']}", carton, "cartonIdentifiers"
    for number, pallet in enumerate(confirmation.get("pallets", []), start=1):
        yield f"pallet {number}", pallet, "palletIdentifiers"


def quantity_in_eaches(quantity: Json, case_size: int) -> int:
    """An ItemQuantity in eaches: Cases × unitSize, or × `case_size` when unitSize is absent."""
    if quantity["unitOfMeasure"] == "Cases":
        return int(quantity["amount"]) * int(quantity.get("unitSize") or case_size)
    return int(quantity["amount"])


def confirmation_errors(
    confirmation: Json, now: float, case_size: Callable[[str], int]
) -> list[dict[str, str]]:
    """Every rule `confirmation` breaks by itself. `case_size(itemSequenceNumber)` gives the
    case pack of an item (its PO line's) for quantities in Cases without a unitSize."""
    shipment = f"Shipment {confirmation['shipmentIdentifier']}"
    return [
        *_date_errors(confirmation, shipment, now),
        *_transport_errors(confirmation, shipment),
        *_sscc_errors(confirmation, shipment),
        *_reference_errors(confirmation, shipment),
        *_quantity_errors(confirmation, shipment, case_size),
        *_container_errors(confirmation, shipment),
    ]


def _date_errors(confirmation: Json, shipment: str, now: float) -> Iterator[dict[str, str]]:
    if "shippedDate" not in confirmation:
        return
    shipped = parse_date_time(confirmation["shippedDate"])
    if shipped is None:  # the schema's date-time check lets nothing else through
        return
    if shipped > now + CLOCK_SKEW:
        yield error(
            "INVALID_SHIPPED_DATE",
            "The shipped date is in the future.",
            f"{shipment}: shippedDate {confirmation['shippedDate']}",
        )
    elif shipped < now - MAX_SHIPPED_AGE:
        yield error(
            "INVALID_SHIPPED_DATE",
            "The shipped date is more than 7 days ago.",
            f"{shipment}: shippedDate {confirmation['shippedDate']}",
        )


def looks_like_date(text: str) -> bool:
    """Whether a reference is a date or date-time (Amazon refuses those as BOL numbers)."""
    text = text.strip()
    if parse_date_time(text) is not None:
        return True
    for pattern in _DATE_FORMATS:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        if 1900 <= moment.year <= 2100:
            return True
    return False


def _transport_errors(confirmation: Json, shipment: str) -> Iterator[dict[str, str]]:
    transport = confirmation.get("transportationDetails", {})
    bill = transport.get("billOfLadingNumber")
    if bill is None or not bill.strip():
        if confirmation.get("shipmentType") in NEEDS_BILL_OF_LADING:
            yield error(
                "MISSING_BILL_OF_LADING",
                "A bill of lading number is required for TruckLoad and LessThanTruckLoad.",
                f"{shipment}: shipmentType {confirmation['shipmentType']}",
            )
    elif len(bill.strip()) == 1 or looks_like_date(bill):
        yield error(
            "INVALID_BILL_OF_LADING",
            "The bill of lading number cannot be a date/time or a single character.",
            f"{shipment}: billOfLadingNumber {bill!r}",
        )
    scac = transport.get("carrierScac")
    if scac is not None and not _SCAC.match(scac):
        yield error(
            "INVALID_CARRIER_SCAC",
            "The carrier SCAC is two to four letters.",
            f"{shipment}: carrierScac {scac!r}",
        )


def _sscc_errors(confirmation: Json, shipment: str) -> Iterator[dict[str, str]]:
    found = ssccs_of(confirmation)
    for name, number in found:
        problem = sscc_problem(number)
        if problem:
            yield error(
                "INVALID_SSCC",
                "The SSCC is not a valid SSCC-18.",
                f"{shipment}, {name}: SSCC {number}: {problem}.",
            )
    for number, count in Counter(number for _, number in found).items():
        if count > 1:
            names = ", ".join(name for name, other in found if other == number)
            yield error(
                "DUPLICATE_SSCC",
                "An SSCC identifies one container only.",
                f"{shipment}: SSCC {number} is on {names}.",
            )


def _duplicates(values: list[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


def _reference_errors(confirmation: Json, shipment: str) -> Iterator[dict[str, str]]:
    sequence = [item["itemSequenceNumber"] for item in confirmation["shippedItems"]]
    cartons = [carton["cartonSequenceNumber"] for carton in confirmation.get("cartons", [])]
    for number in _duplicates(sequence):
        yield error(
            "DUPLICATE_ITEM_SEQUENCE_NUMBER",
            "Each shipped item needs its own itemSequenceNumber.",
            f"{shipment}: item {number} is listed more than once.",
        )
    for number in _duplicates(cartons):
        yield error(
            "DUPLICATE_CARTON_SEQUENCE_NUMBER",
            "Each carton needs its own cartonSequenceNumber.",
            f"{shipment}: carton {number} is listed more than once.",
        )
    for name, container, _ in containers(confirmation):
        for entry in container.get("items", []):
            if entry["itemReference"] not in sequence:
                yield error(
                    "INVALID_ITEM_REFERENCE",
                    "A container refers to an item that is not among the shipped items.",
                    f"{shipment}, {name}: itemReference {entry['itemReference']}",
                )
    holders: dict[str, list[str]] = {}
    for position, pallet in enumerate(confirmation.get("pallets", []), start=1):
        details = pallet.get("cartonReferenceDetails", {})
        for reference in details.get("cartonReferenceNumbers", []):
            if reference not in cartons:
                yield error(
                    "INVALID_CARTON_REFERENCE",
                    "A pallet refers to a carton that is not among the cartons.",
                    f"{shipment}, pallet {position}: cartonReferenceNumber {reference}",
                )
            holders.setdefault(reference, []).append(str(position))
    for reference, pallets in holders.items():
        if len(pallets) > 1:
            yield error(
                "CARTON_ON_SEVERAL_PALLETS",
                "A carton can be on one pallet only.",
                f"{shipment}: carton {reference} is on pallets {', '.join(pallets)}.",
            )


def _quantity_errors(
    confirmation: Json, shipment: str, case_size: Callable[[str], int]
) -> Iterator[dict[str, str]]:
    """Every item ships something, and, when the packing is given, what its cartons and
    pallets hold adds up to it. A pallet's `items` are what lies on it outside its cartons
    (the cartons' contents are counted with the cartons)."""
    for item in confirmation["shippedItems"]:
        if item["shippedQuantity"]["amount"] < 1:
            yield error(
                "INVALID_QUANTITY",
                "The shipped quantity must be at least 1.",
                f"{shipment}, item {item['itemSequenceNumber']}",
            )
    if not confirmation.get("cartons") and not confirmation.get("pallets"):
        return  # no packing given: nothing to add up
    packed: Counter[str] = Counter()
    for _, container, _ in containers(confirmation):
        for entry in container.get("items", []):
            reference = entry["itemReference"]
            packed[reference] += quantity_in_eaches(entry["shippedQuantity"], case_size(reference))
    for item in confirmation["shippedItems"]:
        number = item["itemSequenceNumber"]
        shipped = quantity_in_eaches(item["shippedQuantity"], case_size(number))
        if packed[number] != shipped:
            yield error(
                "CONTAINER_QUANTITY_MISMATCH",
                "The quantities in cartons and pallets do not add up to the shipped quantity.",
                f"{shipment}, item {number}: shipped {shipped} units, packed {packed[number]}.",
            )


def _container_errors(confirmation: Json, shipment: str) -> Iterator[dict[str, str]]:
    structure = confirmation.get("shipmentStructure")
    if structure in PALLETISED and not confirmation.get("pallets"):
        yield error(
            "MISSING_PALLETS",
            "A palletised shipment structure needs its pallets.",
            f"{shipment}: shipmentStructure {structure}, but no pallets.",
        )
    if confirmation.get("shipmentType") == "SmallParcel":
        for carton in confirmation.get("cartons", []):
            if not str(carton.get("trackingNumber", "")).strip():
                yield error(
                    "MISSING_TRACKING_NUMBER",
                    "Every carton of a SmallParcel shipment needs a tracking number.",
                    f"{shipment}, carton {carton['cartonSequenceNumber']}",
                )
