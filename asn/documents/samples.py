"""Sample data for template previews and validation.

Deliberately on the long side (a long Polish fulfilment-centre address with non-Latin-1
letters, three POs, five products with long titles), so a template that fits the sample
fits almost every real shipment.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from asn.gs1 import make_sscc

from .data import (
    CartonLabel,
    Item,
    PackingCarton,
    PackingList,
    PackingPallet,
    PalletLabel,
    Party,
)

SAMPLE_PREFIX = "0614141"  # the GS1 company prefix of GS1's own examples

SHIP_FROM = Party(
    "Acme Kitchen GmbH",
    ("Lagerhalle 3, Industriestraße 115", "76646 Bruchsal", "Germany"),
)
SHIP_TO = Party(
    "Amazon Fulfillment Poland sp. z o.o.",
    (
        "WRO1 – Inbound receiving",
        "ul. Logistyczna 6, Bielany Wrocławskie",
        "55-040 Kobierzyce",
        "Poland",
    ),
)
FC_CODE = "WRO1"
PO_NUMBERS = ("8X7Y6Z5A", "1B2C3D4E", "9QRSTU7V")
ITEMS = (
    Item("4006381333931", "Stainless steel frying pan 28 cm, induction, oven-safe up to 250 °C", 6),
    Item("4006381333948", "Glass lid 28 cm with steam vent", 6),
    Item("4006381333955", "Silicone spatula set, 3 pieces, heat resistant", 12),
    Item("4006381333962", "Cast iron grill pan 26 × 26 cm, pre-seasoned", 2),
    Item("4006381333979", "Kitchen towel set, 100 % cotton, 4 pieces", 10),
)


def sample_sscc(serial: int, extension: int = 0) -> str:
    return make_sscc(SAMPLE_PREFIX, serial, extension)


def sample_carton_label() -> CartonLabel:
    return CartonLabel(
        sscc=sample_sscc(123456789, extension=1),  # 106141411234567897, GS1's example SSCC
        ship_from=SHIP_FROM,
        ship_to=SHIP_TO,
        fc_code=FC_CODE,
        po_numbers=PO_NUMBERS,
        carton_index=12,
        carton_total=140,
        items=ITEMS,
        weight_kg=Decimal("14.6"),
        shipment_code="SHP-2026-000123",
        pallet_sscc=sample_sscc(1, extension=3),
    )


def sample_pallet_label() -> PalletLabel:
    return PalletLabel(
        sscc=sample_sscc(1, extension=3),
        ship_from=SHIP_FROM,
        ship_to=SHIP_TO,
        fc_code=FC_CODE,
        po_numbers=PO_NUMBERS,
        pallet_index=2,
        pallet_total=7,
        carton_count=24,
        weight_kg=Decimal("412.5"),
        bill_of_lading="BOL-7781-2026-11",
        shipment_code="SHP-2026-000123",
        unit_count=288,
        carrier="DHL Freight",
    )


def sample_packing_list() -> PackingList:
    pallets = (
        PackingPallet(sample_sscc(1, extension=3), carton_count=3, weight_kg=Decimal("61.8")),
        PackingPallet(
            sample_sscc(2, extension=3),
            carton_count=2,
            weight_kg=None,
            min_weight_kg=Decimal("26.0"),
            # Eaches placed on the pallet without a carton: a template must show them too.
            loose_items=(replace(ITEMS[4], quantity=4, po_number=PO_NUMBERS[1]),),
        ),
    )
    cartons = []
    for index in range(6):
        pallet = pallets[0] if index < 3 else pallets[1] if index < 5 else None
        first = index % 5
        items = ITEMS[first : first + 2] if index % 2 == 0 else ITEMS[first : first + 1]
        cartons.append(
            PackingCarton(
                sscc=sample_sscc(1000 + index),
                items=items,
                weight_kg=Decimal("14.6") + index,
                pallet_sscc=pallet.sscc if pallet else "",
                po_number=PO_NUMBERS[index % 3],
            )
        )
    return PackingList(
        shipment_code="SHP-2026-000123",
        ship_from=SHIP_FROM,
        ship_to=SHIP_TO,
        fc_code=FC_CODE,
        po_numbers=PO_NUMBERS,
        cartons=tuple(cartons),
        pallets=pallets,
        bill_of_lading="BOL-7781-2026-11",
        carrier="DHL Freight",
        ship_date=date(2026, 11, 30),
        notes="Deliver to dock 4. Call 2 hours before arrival.",
    )


# --- Worst cases ----------------------------------------------------------------------------
# A saved template must also stay within its render budget (budget.py) for the largest
# documents the data allows: every text at its field's maximum length, and many rows.

WORST_ITEMS_PER_CARTON = 40
WORST_POS = 40
WORST_CARTONS = 1_000
WORST_PALLETS = 50


def _long(text: str, length: int) -> str:
    return (text + " ") * (length // (len(text) + 1)) + text[: length % (len(text) + 1)]


WORST_SHIP_FROM = Party(
    _long("Ślůsarstwí Großhändler", 120),
    (_long("Ulica", 200), "9" * 20 + " " + _long("Miasto", 100), "DE"),
)
WORST_SHIP_TO = Party(
    "Amazon " + _long("FC Łódź", 120),
    (_long("ul. Długa", 200), "9" * 20 + " " + _long("Łódź", 100), "PL"),
)
WORST_ITEMS = tuple(
    Item(f"{4006381000000 + n:013d}", _long(f"Product {n} ñ", 250), 9999, f"B{n:09d}", "S" * 40)
    for n in range(WORST_ITEMS_PER_CARTON)
)
WORST_POS_NUMBERS = tuple(f"{n:08d}" for n in range(WORST_POS))


def worst_carton_label() -> CartonLabel:
    return CartonLabel(
        sscc=sample_sscc(999999999, extension=9),
        ship_from=WORST_SHIP_FROM,
        ship_to=WORST_SHIP_TO,
        fc_code="W" * 10,
        po_numbers=WORST_POS_NUMBERS,
        carton_index=WORST_CARTONS,
        carton_total=WORST_CARTONS,
        items=WORST_ITEMS,
        weight_kg=Decimal("99999.999"),
        shipment_code="S" * 30,
        pallet_sscc=sample_sscc(99999, extension=9),
    )


def worst_pallet_label() -> PalletLabel:
    return PalletLabel(
        sscc=sample_sscc(99999, extension=9),
        ship_from=WORST_SHIP_FROM,
        ship_to=WORST_SHIP_TO,
        fc_code="W" * 10,
        po_numbers=WORST_POS_NUMBERS,
        pallet_index=WORST_PALLETS,
        pallet_total=WORST_PALLETS,
        carton_count=WORST_CARTONS,
        weight_kg=Decimal("99999.999"),
        bill_of_lading="B" * 40,
        shipment_code="S" * 30,
        unit_count=9_999_000,
        carrier="C" * 40,
    )


def worst_packing_list() -> PackingList:
    pallets = tuple(
        PackingPallet(sample_sscc(n, extension=3), carton_count=20, weight_kg=Decimal("999.9"))
        for n in range(WORST_PALLETS)
    )
    cartons = tuple(
        PackingCarton(
            sscc=sample_sscc(10_000 + n),
            items=WORST_ITEMS[n % WORST_ITEMS_PER_CARTON : n % WORST_ITEMS_PER_CARTON + 1],
            weight_kg=Decimal("99.9"),
            pallet_sscc=pallets[n // 20].sscc,
            po_number=WORST_POS_NUMBERS[n % WORST_POS],
        )
        for n in range(WORST_CARTONS)
    )
    return PackingList(
        shipment_code="S" * 30,
        ship_from=WORST_SHIP_FROM,
        ship_to=WORST_SHIP_TO,
        fc_code="W" * 10,
        po_numbers=WORST_POS_NUMBERS,
        cartons=cartons,
        pallets=pallets,
        bill_of_lading="B" * 40,
        carrier="C" * 40,
        ship_date=date(2026, 11, 30),
        notes=_long("Deliver to dock 4.", 1000),
    )


WORST_DESCRIPTION = {
    "carton_label": f"{WORST_ITEMS_PER_CARTON} products and {WORST_POS} POs on a carton, "
    "every text at its longest",
    "pallet_label": f"{WORST_POS} POs, every text at its longest",
    "packing_list": f"{WORST_CARTONS:,} cartons on {WORST_PALLETS} pallets, every text at its "
    "longest",
}


def worst_document(kind: str) -> CartonLabel | PalletLabel | PackingList:
    if kind == "carton_label":
        return worst_carton_label()
    if kind == "pallet_label":
        return worst_pallet_label()
    return worst_packing_list()
