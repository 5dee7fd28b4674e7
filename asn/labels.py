"""What the documents of a group shipment say: its packing turned into the plain data the
templates see (`asn.documents.data`), so a template never touches a model."""

from collections import defaultdict
from decimal import Decimal

from amazon1p.connection.models import AmazonConnection, FulfillmentCenter
from asn.building import container_weights
from asn.documents.data import (
    CartonLabel,
    Item,
    PackingCarton,
    PackingList,
    PackingPallet,
    PalletLabel,
    Party,
)
from asn.models import ContainerKind, GroupShipment, Placement
from asn.placement import PackedContainer, packing_tree


def _ship_from(group: GroupShipment) -> Party:
    w = group.warehouse
    return Party(w.name, (w.address_line, f"{w.postal_code} {w.city}".strip(), w.country))


def _ship_to(group: GroupShipment, connection: AmazonConnection | None) -> Party:
    fc = (
        FulfillmentCenter.objects.filter(connection=connection, code=group.fc_code).first()
        if connection
        else None
    )
    if fc is None:
        return Party(f"Amazon {group.fc_code}")
    return Party(
        f"Amazon {fc.code}" + (f" – {fc.name}" if fc.name else ""),
        (fc.address_line, f"{fc.postal_code} {fc.city}".strip(), fc.country),
    )


def _items(placements: list[Placement]) -> list[Item]:
    return [
        Item(
            ean=p.line.row.ean,
            title=p.line.row.title,
            quantity=p.quantity,
            asin=p.line.row.asin,
            sku=p.line.row.sku,
            po_number=p.line.shipment.order.number,
        )
        for p in placements
    ]


def _po_numbers(packed: PackedContainer) -> list[str]:
    placements = packed.placements + [p for c in packed.cartons for p in c.placements]
    return sorted({p.line.shipment.order.number for p in placements})


class ShipmentDocuments:
    """The group's labels and packing list, read once (packing tree, weights, parties)."""

    def __init__(self, group: GroupShipment) -> None:
        self.group = group
        connection = AmazonConnection.objects.filter(shop_id=group.shop_id).first()
        self.tree = packing_tree(group)
        self.weights = (
            container_weights(group, connection).by_container if connection else defaultdict()
        )
        # The containers' own weights (ASN settings): what a pallet or carton weighs at
        # least when the goods' weight is not known (no unit weights, not weighed).
        self.carton_own = Decimal(str(connection.carton_weight_kg)) if connection else None
        self.pallet_own = Decimal(str(connection.pallet_weight_kg)) if connection else None
        self.ship_from = _ship_from(group)
        self.ship_to = _ship_to(group, connection)

    def carton_labels(self) -> list[CartonLabel]:
        cartons = [(p, c) for p in self.tree for c in p.cartons]
        return [
            CartonLabel(
                sscc=carton.container.sscc,
                ship_from=self.ship_from,
                ship_to=self.ship_to,
                fc_code=self.group.fc_code,
                po_numbers=_po_numbers(carton),
                carton_index=index,
                carton_total=len(cartons),
                items=_items(carton.placements),
                weight_kg=self.weights.get(carton.container.pk),
                shipment_code=self.group.code,
                pallet_sscc=pallet.container.sscc,
            )
            for index, (pallet, carton) in enumerate(cartons, start=1)
        ]

    def pallet_labels(self) -> list[PalletLabel]:
        return [
            PalletLabel(
                sscc=pallet.container.sscc,
                ship_from=self.ship_from,
                ship_to=self.ship_to,
                fc_code=self.group.fc_code,
                po_numbers=_po_numbers(pallet),
                pallet_index=index,
                pallet_total=len(self.tree),
                carton_count=len(pallet.cartons),
                weight_kg=self.weights.get(pallet.container.pk),
                bill_of_lading=self.group.bill_of_lading,
                shipment_code=self.group.code,
                unit_count=pallet.quantity,
                carrier=self.group.carrier_scac,
            )
            for index, pallet in enumerate(self.tree, start=1)
        ]

    def _min_weight(self, packed: PackedContainer) -> Decimal | None:
        """The known gross weight, else the container's own weight plus what is known of
        the cartons on it: a lower bound the packing list prints as "at least"."""
        known = self.weights.get(packed.container.pk)
        if known is not None:
            return known
        own = self.pallet_own if packed.container.kind == ContainerKind.PALLET else self.carton_own
        if own is None:
            return None
        return own + sum((self._min_weight(c) or Decimal(0) for c in packed.cartons), Decimal(0))

    def packing_list(self) -> PackingList:
        """Cartons in pallet order; eaches placed on a pallet without a carton are the
        pallet's loose items, each with its own PO, so every shipped each appears once."""
        cartons = [
            PackingCarton(
                sscc=carton.container.sscc,
                items=_items(carton.placements),
                weight_kg=self.weights.get(carton.container.pk),
                pallet_sscc=pallet.container.sscc,
                po_number=", ".join(_po_numbers(carton)),
                min_weight_kg=self._min_weight(carton),
            )
            for pallet in self.tree
            for carton in pallet.cartons
        ]
        return PackingList(
            shipment_code=self.group.code,
            ship_from=self.ship_from,
            ship_to=self.ship_to,
            fc_code=self.group.fc_code,
            po_numbers=sorted({po for pallet in self.tree for po in _po_numbers(pallet)}),
            cartons=cartons,
            pallets=[
                PackingPallet(
                    sscc=pallet.container.sscc,
                    carton_count=len(pallet.cartons),
                    weight_kg=self.weights.get(pallet.container.pk),
                    loose_items=_items(pallet.placements),
                    min_weight_kg=self._min_weight(pallet),
                )
                for pallet in self.tree
            ],
            bill_of_lading=self.group.bill_of_lading,
            carrier=self.group.carrier_scac,
            ship_date=self.group.shipped_at.date() if self.group.shipped_at else None,
        )
