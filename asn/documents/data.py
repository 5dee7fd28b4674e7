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
from typing import Any

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
    """One product in a carton (or loose on a pallet): EAN (GTIN), title, units, its PO."""

    ean: str
    title: str
    quantity: int
    asin: str = ""
    sku: str = ""
    po_number: str = ""


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
    """A carton on the packing list; `pallet_sscc` is empty for cartons shipped loose.

    `weight_kg` is the gross weight, empty when the goods' weight is not known;
    `min_weight_kg` is then what is known for sure (the carton's own weight)."""

    sscc: str
    items: Sequence[Item]
    weight_kg: Number | None = None
    pallet_sscc: str = ""
    po_number: str = ""
    min_weight_kg: Number | None = None

    @property
    def unit_count(self) -> int:
        return _units(self.items)


@dataclass(frozen=True)
class PackingPallet:
    """A pallet: its cartons are in `PackingList.cartons`, eaches placed on it without a
    carton in `loose_items`. Weights as for a carton (the pallet with everything on it)."""

    sscc: str
    carton_count: int
    weight_kg: Number | None = None
    loose_items: Sequence[Item] = ()
    min_weight_kg: Number | None = None

    @property
    def loose_unit_count(self) -> int:
        return _units(self.loose_items)


@dataclass(frozen=True)
class PackingLine:
    """One printed row of the packing list: a product in a carton, or loose on a pallet
    (then `carton_sscc` is empty, `carton_number` None and `is_loose` true)."""

    pallet_sscc: str
    carton_sscc: str
    carton_number: int | None
    ean: str
    title: str
    quantity: int
    asin: str = ""
    po_number: str = ""

    @property
    def is_loose(self) -> bool:
        return not self.carton_sscc


def _line(
    item: Item, pallet_sscc: str, carton: PackingCarton | None, number: int | None
) -> PackingLine:
    return PackingLine(
        pallet_sscc=pallet_sscc,
        carton_sscc=carton.sscc if carton else "",
        carton_number=number,
        ean=item.ean,
        title=item.title,
        quantity=item.quantity,
        asin=item.asin,
        po_number=item.po_number or (carton.po_number if carton else ""),
    )


def _sum(weights: Sequence[Number | None]) -> Number | None:
    if not weights or any(w is None for w in weights):
        return None
    return sum(weights)  # type: ignore[arg-type]


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
        """Real cartons only: eaches loose on a pallet are in no carton."""
        return len(self.cartons)

    @property
    def pallet_count(self) -> int:
        return len(self.pallets)

    @property
    def unit_count(self) -> int:
        return sum(c.unit_count for c in self.cartons) + sum(
            p.loose_unit_count for p in self.pallets
        )

    def _shipped(self) -> Sequence[PackingCarton | PackingPallet]:
        """What the carrier takes: the pallets, or the cartons when nothing is palletised."""
        return self.pallets if self.pallets else self.cartons

    @property
    def total_weight_kg(self) -> Number | None:
        """Gross weight of the shipment; empty unless every pallet's (carton's) is known."""
        return _sum([unit.weight_kg for unit in self._shipped()])

    @property
    def min_total_weight_kg(self) -> Number | None:
        """What the shipment weighs at least: known weights, else packaging alone."""
        return _sum(
            [u.min_weight_kg if u.weight_kg is None else u.weight_kg for u in self._shipped()]
        )

    @property
    def lines(self) -> list[PackingLine]:
        """Pallet by pallet: the eaches loose on it, then its cartons; cartons on no
        pallet last. Cartons are numbered 1..n; loose eaches have no carton number."""
        numbers = {id(carton): n for n, carton in enumerate(self.cartons, start=1)}
        rows = []
        done: set[int] = set()
        for pallet in self.pallets:
            for item in pallet.loose_items:
                rows.append(_line(item, pallet.sscc, None, None))
            for carton in self.cartons:
                if carton.pallet_sscc == pallet.sscc:
                    done.add(id(carton))
                    rows.extend(
                        _line(item, pallet.sscc, carton, numbers[id(carton)])
                        for item in carton.items
                    )
        for carton in self.cartons:
            if id(carton) not in done:
                rows.extend(
                    _line(item, carton.pallet_sscc, carton, numbers[id(carton)])
                    for item in carton.items
                )
        return rows

    @property
    def items(self) -> list[Item]:
        """Units per product over the whole shipment, in order of first appearance."""
        totals: dict[str, list[Any]] = {}  # ean: [first line, units]
        for line in self.lines:
            entry = totals.setdefault(line.ean, [line, 0])
            entry[1] += line.quantity
        skus = {i.ean: i.sku for c in self.cartons for i in c.items}
        skus.update({i.ean: i.sku for p in self.pallets for i in p.loose_items})
        return [
            Item(ean=first.ean, title=first.title, quantity=qty, asin=first.asin, sku=skus[ean])
            for ean, (first, qty) in totals.items()
        ]
