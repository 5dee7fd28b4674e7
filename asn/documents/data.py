"""What goes on a shipment document: plain, immutable data (no Django models).

Templates see only these objects, so a shop's template can read fields and call the
read-only properties below, but can never reach a model instance or its methods
(`{{ label.shop.delete }}` has nothing to resolve).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from asn.gs1 import sscc_hri

Number = Decimal | float | int


@dataclass(frozen=True)
class Party:
    """A sender or receiver: the name and the address lines as they are printed."""

    name: str
    address_lines: Sequence[str] = ()

    @property
    def lines(self) -> list[str]:
        return [self.name, *self.address_lines]


@dataclass(frozen=True)
class Item:
    """One product in a carton: EAN (GTIN), title and units."""

    ean: str
    title: str
    quantity: int
    asin: str = ""
    sku: str = ""


def _units(items: Sequence[Item]) -> int:
    return sum(item.quantity for item in items)


@dataclass(frozen=True)
class CartonLabel:
    sscc: str
    ship_from: Party
    ship_to: Party
    fc_code: str
    po_numbers: Sequence[str]
    carton_index: int
    carton_total: int
    items: Sequence[Item] = ()
    weight_kg: Number | None = None
    shipment_code: str = ""
    pallet_sscc: str = ""  # the pallet this carton is on, if any

    @property
    def sscc_hri(self) -> str:
        return sscc_hri(self.sscc)

    @property
    def po_list(self) -> str:
        return ", ".join(self.po_numbers)

    @property
    def unit_count(self) -> int:
        return _units(self.items)

    @property
    def is_mixed(self) -> bool:
        return len({item.ean for item in self.items}) > 1


@dataclass(frozen=True)
class PalletLabel:
    sscc: str
    ship_from: Party
    ship_to: Party
    fc_code: str
    po_numbers: Sequence[str]
    pallet_index: int
    pallet_total: int
    carton_count: int
    weight_kg: Number | None = None
    bill_of_lading: str = ""
    shipment_code: str = ""
    unit_count: int | None = None
    carrier: str = ""

    @property
    def sscc_hri(self) -> str:
        return sscc_hri(self.sscc)

    @property
    def po_list(self) -> str:
        return ", ".join(self.po_numbers)


@dataclass(frozen=True)
class PackingCarton:
    """A carton on the packing list; `pallet_sscc` is empty for cartons shipped loose."""

    sscc: str
    items: Sequence[Item]
    weight_kg: Number | None = None
    pallet_sscc: str = ""
    po_number: str = ""

    @property
    def unit_count(self) -> int:
        return _units(self.items)


@dataclass(frozen=True)
class PackingPallet:
    sscc: str
    carton_count: int
    weight_kg: Number | None = None


@dataclass(frozen=True)
class PackingLine:
    """One printed row of the packing list: a product in a carton."""

    pallet_sscc: str
    carton_sscc: str
    carton_number: int
    ean: str
    title: str
    quantity: int
    asin: str = ""
    po_number: str = ""


@dataclass(frozen=True)
class PackingList:
    shipment_code: str
    ship_from: Party
    ship_to: Party
    fc_code: str
    po_numbers: Sequence[str]
    cartons: Sequence[PackingCarton]
    pallets: Sequence[PackingPallet] = ()
    bill_of_lading: str = ""
    carrier: str = ""
    ship_date: date | None = None
    notes: str = ""

    @property
    def po_list(self) -> str:
        return ", ".join(self.po_numbers)

    @property
    def carton_count(self) -> int:
        return len(self.cartons)

    @property
    def pallet_count(self) -> int:
        return len(self.pallets)

    @property
    def unit_count(self) -> int:
        return sum(carton.unit_count for carton in self.cartons)

    @property
    def total_weight_kg(self) -> Number | None:
        weights = [c.weight_kg for c in self.cartons]
        if not weights or any(w is None for w in weights):
            pallet_weights = [p.weight_kg for p in self.pallets]
            if pallet_weights and all(w is not None for w in pallet_weights):
                return sum(pallet_weights)
            return None
        return sum(weights)

    @property
    def lines(self) -> list[PackingLine]:
        """Every product in every carton, in carton order."""
        rows = []
        for number, carton in enumerate(self.cartons, start=1):
            for item in carton.items:
                rows.append(
                    PackingLine(
                        pallet_sscc=carton.pallet_sscc,
                        carton_sscc=carton.sscc,
                        carton_number=number,
                        ean=item.ean,
                        title=item.title,
                        quantity=item.quantity,
                        asin=item.asin,
                        po_number=carton.po_number,
                    )
                )
        return rows

    @property
    def items(self) -> list[Item]:
        """Units per product over the whole shipment, in order of first appearance."""
        totals: dict[str, list] = {}
        for carton in self.cartons:
            for item in carton.items:
                entry = totals.setdefault(item.ean, [item, 0])
                entry[1] += item.quantity
        return [
            Item(ean=first.ean, title=first.title, quantity=qty, asin=first.asin, sku=first.sku)
            for first, qty in totals.values()
        ]
