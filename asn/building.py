"""The shipment confirmation (ASN) JSON for a group shipment, as Amazon's model wants it.

Structure by shipment type:
- LTL and truckload are palletised: `PalletizedAssortmentCase` when any carton is used
  (Shipment → Pallet → Carton → Item; loose eaches on a pallet are listed on the pallet),
  otherwise `PalletOfItems` (Shipment → Pallet → Item).
- Small parcel goes as loose cartons, `LooseAssortmentCase` (Shipment → Carton → Item):
  pallets are how the warehouse stages parcels, not something the carrier sees, so the
  ASN leaves them out (Amazon wants a tracking number per carton instead).

Quantities are in eaches; each item carries its PO number, since a group shipment mixes POs.
Weights are gross in kilograms: the goods (unit weight × quantity, from the pack file) plus
the container's own weight from the ASN settings, unless the container was weighed.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.utils import timezone

from amazon1p.connection.models import AmazonConnection, FulfillmentCenter
from asn.models import Container, GroupShipment, Placement, ShipmentLine, ShipmentType
from asn.placement import PackedContainer, packing_tree


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _weight(kg: Decimal) -> dict[str, str]:
    return {"unitOfMeasure": "Kg", "value": f"{kg.quantize(Decimal('0.01'))}"}


def _sequence(n: int) -> str:
    return f"{n:03d}"


def asn_number(group: GroupShipment, connection: AmazonConnection) -> str:
    """The shipment identifier Amazon sees: the bill of lading when the shop says so."""
    if connection.bol_as_asn_number and group.bill_of_lading:
        return group.bill_of_lading
    return group.code


def is_palletised(group: GroupShipment) -> bool:
    return group.shipment_type != ShipmentType.SMALL_PARCEL


@dataclass
class Weights:
    """Gross kg per container id and for the whole shipment (None: not known)."""

    by_container: dict[int, Decimal | None]
    total: Decimal | None


def container_weights(group: GroupShipment, connection: AmazonConnection) -> Weights:
    tree = packing_tree(group)
    weights: dict[int, Decimal | None] = {}
    # Decimal(str()): a model default (0.5) stays a float until the row is read back.
    carton_own = Decimal(str(connection.carton_weight_kg))
    pallet_own = Decimal(str(connection.pallet_weight_kg))

    def goods(placements: list[Placement]) -> Decimal | None:
        total = Decimal(0)
        for p in placements:
            if p.line.unit_weight_kg is None:
                return None
            total += p.line.unit_weight_kg * p.quantity
        return total

    total: Decimal | None = Decimal(0)
    for pallet in tree:
        pallet_kg: Decimal | None = goods(pallet.placements)
        for carton in pallet.cartons:
            carton_kg = carton.container.weight_kg
            if carton_kg is None:
                inside = goods(carton.placements)
                carton_kg = None if inside is None else inside + carton_own
            weights[carton.container.pk] = carton_kg
            pallet_kg = None if pallet_kg is None or carton_kg is None else pallet_kg + carton_kg
        if pallet.container.weight_kg is not None:
            pallet_kg = pallet.container.weight_kg
        elif pallet_kg is not None:
            pallet_kg += pallet_own
        weights[pallet.container.pk] = pallet_kg
        if is_palletised(group):
            total = None if total is None or pallet_kg is None else total + pallet_kg
    if not is_palletised(group):
        cartons = [weights[c.container.pk] for p in tree for c in p.cartons]
        known = [w for w in cartons if w is not None]
        total = sum(known, Decimal(0)) if len(known) == len(cartons) else None
    return Weights(weights, total)


def _party_address(name: str, line: str, postal: str, city: str, country: str) -> dict:
    address = {"name": name or "-", "addressLine1": line or "-", "countryCode": country or "ZZ"}
    if city:
        address["city"] = city
    if postal:
        address["postalCode"] = postal
    return address


def shipment_confirmation_json_for_group(
    group: GroupShipment,
    connection: AmazonConnection,
    *,
    confirmation_type: str,
    confirmed_at: datetime | None = None,
) -> dict:
    """The ShipmentConfirmation object (one element of `shipmentConfirmations`)."""
    lines = list(
        ShipmentLine.objects.filter(shipment__group=group)
        .select_related("row", "shipment__order")
        .order_by("shipment__order__number", "row__position")
    )
    sequence = {line.pk: _sequence(i) for i, line in enumerate(lines, start=1)}
    po_of = {line.pk: line.shipment.order.number for line in lines}

    def item_quantity(quantity: int) -> dict:
        return {"amount": quantity, "unitOfMeasure": "Eaches"}

    def container_items(packed: PackedContainer) -> list[dict]:
        return [
            {
                "itemReference": sequence[p.line_id],
                "shippedQuantity": item_quantity(p.quantity),
                "itemDetails": {"purchaseOrderNumber": po_of[p.line_id]},
            }
            for p in packed.placements
        ]

    weights = container_weights(group, connection)
    tree = packing_tree(group)
    cartons: list[dict] = []
    pallets: list[dict] = []
    carton_sequence: dict[int, str] = {}
    for pallet in tree:
        for carton in pallet.cartons:
            number = _sequence(len(cartons) + 1)
            carton_sequence[carton.container.pk] = number
            cartons.append(_carton_json(carton, number, weights, container_items(carton)))
        if is_palletised(group):
            pallets.append(_pallet_json(pallet, carton_sequence, weights, container_items(pallet)))

    warehouse = group.warehouse
    fc = FulfillmentCenter.objects.filter(connection=connection, code=group.fc_code).first()
    body: dict = {
        "shipmentIdentifier": asn_number(group, connection),
        "shipmentConfirmationType": confirmation_type,
        "shipmentType": group.shipment_type,
        "shipmentStructure": _structure(group, has_cartons=bool(cartons)),
        "shipmentConfirmationDate": _iso(confirmed_at or timezone.now()),
        "sellingParty": {"partyId": connection.vendor_code},
        "shipFromParty": {
            "partyId": warehouse.code,
            "address": _party_address(
                warehouse.name,
                warehouse.address_line,
                warehouse.postal_code,
                warehouse.city,
                warehouse.country,
            ),
        },
        "shipToParty": {"partyId": group.fc_code},
        "shippedItems": [
            {
                "itemSequenceNumber": sequence[line.pk],
                **({"amazonProductIdentifier": line.row.asin} if line.row.asin else {}),
                **({"vendorProductIdentifier": line.row.ean} if line.row.ean else {}),
                "shippedQuantity": item_quantity(line.quantity),
                "itemDetails": {"purchaseOrderNumber": line.shipment.order.number},
            }
            for line in lines
        ],
    }
    if fc is not None and fc.address_line:
        body["shipToParty"]["address"] = _party_address(
            fc.name or fc.code, fc.address_line, fc.postal_code, fc.city, fc.country
        )
    transport = {
        key: value
        for key, value in (
            ("carrierScac", group.carrier_scac),
            ("carrierShipmentReferenceNumber", group.carrier_reference),
            ("billOfLadingNumber", group.bill_of_lading),
        )
        if value
    }
    body["transportationDetails"] = {"transportationMode": "Road", **transport}
    if group.shipped_at:
        body["shippedDate"] = _iso(group.shipped_at)
    if group.estimated_delivery_at:
        body["estimatedDeliveryDate"] = _iso(group.estimated_delivery_at)
    measurements: dict = {}
    if weights.total is not None:
        measurements["grossShipmentWeight"] = _weight(weights.total)
    if is_palletised(group):
        measurements["palletCount"] = len(pallets)
    else:
        measurements["cartonCount"] = len(cartons)
    body["shipmentMeasurements"] = measurements
    if cartons:
        body["cartons"] = cartons
    if pallets:
        body["pallets"] = pallets
    return body


def _structure(group: GroupShipment, *, has_cartons: bool) -> str:
    if not is_palletised(group):
        return "LooseAssortmentCase"
    return "PalletizedAssortmentCase" if has_cartons else "PalletOfItems"


def _dimensions(container: Container) -> dict[str, str] | None:
    """Outer dimensions in metres (Amazon's units are In, Ft, Meter and Yard; we keep cm)."""
    if not container.has_dimensions:
        return None
    metres = {
        name: f"{(getattr(container, f'{name}_cm') / 100).quantize(Decimal('0.001'))}"
        for name in ("length", "width", "height")
    }
    return {**metres, "unitOfMeasure": "Meter"}


def _sscc_ids(container: Container) -> list[dict[str, str]]:
    return [
        {"containerIdentificationType": "SSCC", "containerIdentificationNumber": container.sscc}
    ]


def _carton_json(carton: PackedContainer, number: str, weights: Weights, items: list[dict]) -> dict:
    body: dict = {
        "cartonIdentifiers": _sscc_ids(carton.container),
        "cartonSequenceNumber": number,
        "items": items,
    }
    weight = weights.by_container.get(carton.container.pk)
    if weight is not None:
        body["weight"] = _weight(weight)
    if dimensions := _dimensions(carton.container):
        body["dimensions"] = dimensions
    if carton.container.tracking_number:
        body["trackingNumber"] = carton.container.tracking_number
    return body


def _pallet_json(
    pallet: PackedContainer, carton_sequence: dict[int, str], weights: Weights, items: list[dict]
) -> dict:
    body: dict = {"palletIdentifiers": _sscc_ids(pallet.container)}
    weight = weights.by_container.get(pallet.container.pk)
    if weight is not None:
        body["weight"] = _weight(weight)
    if dimensions := _dimensions(pallet.container):
        body["dimensions"] = dimensions
    if pallet.cartons:
        references = [carton_sequence[c.container.pk] for c in pallet.cartons]
        body["cartonReferenceDetails"] = {
            "cartonCount": len(references),
            "cartonReferenceNumbers": references,
        }
    if items:
        body["items"] = items
    return body


def shipped_by_po_item(body: dict) -> dict[tuple[str, str], int]:
    """(PO number, product id) → eaches in an ASN body: how Replace is compared."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for item in body.get("shippedItems", ()):
        po = (item.get("itemDetails") or {}).get("purchaseOrderNumber", "")
        product = item.get("vendorProductIdentifier") or item.get("amazonProductIdentifier", "")
        totals[(po, product)] += int(item["shippedQuantity"]["amount"])
    return dict(totals)
