"""Our frozen dataclasses → the JSON bodies Amazon takes: pure functions (no ORM, clock or
settings). The way in is `parsing`."""

from datetime import UTC, datetime
from typing import Any

from amazon1p.spapi.types import (
    AcknowledgementItem,
    Carton,
    ContainerIdentifier,
    ContainerItem,
    Dimensions,
    Measure,
    Money,
    OrderAcknowledgement,
    Pallet,
    Party,
    Quantity,
    ShipmentConfirmation,
)


def format_datetime(value: datetime) -> str:
    """The form every request uses: UTC, seconds, `Z` (the library would send str(dt))."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are ambiguous; pass an aware one")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def money_json(money: Money | None) -> dict[str, Any] | None:
    if money is None:
        return None
    return _drop_empty(
        {
            "currencyCode": money.currency,
            "amount": format(money.amount, "f"),
            "unitOfMeasure": money.unit_of_measure,
        }
    )


def quantity_json(quantity: Quantity) -> dict[str, Any]:
    return _drop_empty(
        {"amount": quantity.amount, "unitOfMeasure": quantity.unit, "unitSize": quantity.unit_size}
    )


def party_json(party: Party) -> dict[str, Any]:
    data: dict[str, Any] = {"partyId": party.party_id}
    if party.address is not None:
        a = party.address
        # name, addressLine1 and countryCode are required by the model: kept even when empty
        # (an address Amazon sent with them blank must still validate; property tests).
        data["address"] = {
            "name": a.name,
            "addressLine1": a.address_line1,
            "countryCode": a.country_code,
        } | _drop_empty(
            {
                "name": a.name,
                "addressLine1": a.address_line1,
                "addressLine2": a.address_line2,
                "addressLine3": a.address_line3,
                "city": a.city,
                "county": a.county,
                "district": a.district,
                "stateOrRegion": a.state_or_region,
                "postalCode": a.postal_code,
                "countryCode": a.country_code,
                "phone": a.phone,
            }
        )
    return data


def serialise_acknowledgement(ack: OrderAcknowledgement) -> dict[str, Any]:
    """An OrderAcknowledgement of submitAcknowledgement's body."""

    def item(line: AcknowledgementItem) -> dict[str, Any]:
        return _drop_empty(
            {
                "itemSequenceNumber": line.sequence_number,
                "amazonProductIdentifier": line.asin,
                "vendorProductIdentifier": line.vendor_product_id,
                "orderedQuantity": quantity_json(line.ordered_quantity),
                "netCost": money_json(line.net_cost),
                "listPrice": money_json(line.list_price),
                "discountMultiplier": line.discount_multiplier,
                "itemAcknowledgements": [
                    _drop_empty(
                        {
                            "acknowledgementCode": part.code,
                            "acknowledgedQuantity": quantity_json(part.quantity),
                            "scheduledShipDate": part.scheduled_ship_date
                            and format_datetime(part.scheduled_ship_date),
                            "scheduledDeliveryDate": part.scheduled_delivery_date
                            and format_datetime(part.scheduled_delivery_date),
                            "rejectionReason": part.rejection_reason,
                        }
                    )
                    for part in line.acknowledgements
                ],
            }
        )

    return {
        "purchaseOrderNumber": ack.purchase_order_number,
        "sellingParty": party_json(ack.selling_party),
        "acknowledgementDate": format_datetime(ack.acknowledgement_date),
        "items": [item(line) for line in ack.items],
    }


def _measure(m: Measure | None) -> dict[str, Any] | None:
    return None if m is None else {"unitOfMeasure": m.unit, "value": format(m.value, "f")}


def _dimensions(d: Dimensions | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "length": format(d.length, "f"),
        "width": format(d.width, "f"),
        "height": format(d.height, "f"),
        "unitOfMeasure": d.unit,
    }


def _container_items(items: tuple[ContainerItem, ...]) -> list[dict[str, Any]]:
    return [
        _drop_empty(
            {
                "itemReference": i.item_reference,
                "shippedQuantity": quantity_json(i.shipped_quantity),
                "itemDetails": _drop_empty({"purchaseOrderNumber": i.purchase_order_number}),
            }
        )
        for i in items
    ]


def _identifiers(ids: tuple[ContainerIdentifier, ...]) -> list[dict[str, str]]:
    return [
        {"containerIdentificationType": i.type, "containerIdentificationNumber": i.number}
        for i in ids
    ]


def _carton(c: Carton) -> dict[str, Any]:
    carton = _drop_empty(
        {
            "cartonIdentifiers": _identifiers(c.identifiers),
            "cartonSequenceNumber": c.sequence_number,
            "dimensions": _dimensions(c.dimensions),
            "weight": _measure(c.weight),
            "trackingNumber": c.tracking_number,
        }
    )
    carton["items"] = _container_items(c.items)  # required by the model, even when empty
    return carton


def _pallet(p: Pallet) -> dict[str, Any]:
    refs = None
    if p.carton_sequence_numbers:
        refs = {
            "cartonCount": len(p.carton_sequence_numbers),
            "cartonReferenceNumbers": list(p.carton_sequence_numbers),
        }
    return _drop_empty(
        {
            "palletIdentifiers": _identifiers(p.identifiers),
            "tier": p.tier,
            "block": p.block,
            "dimensions": _dimensions(p.dimensions),
            "weight": _measure(p.weight),
            "cartonReferenceDetails": refs,
            "items": _container_items(p.items),
        }
    )


def serialise_shipment_confirmation(asn: ShipmentConfirmation) -> dict[str, Any]:
    """A ShipmentConfirmation of SubmitShipmentConfirmations' body (the ASN): items, cartons
    (with their SSCCs and tracking numbers) and pallets (their SSCCs, the cartons on them by
    cartonSequenceNumber and the items lying on them outside cartons). Empty optional fields
    are left out, as the model allows."""
    transport = _drop_empty(
        {
            "carrierScac": asn.carrier_scac,
            "carrierShipmentReferenceNumber": asn.carrier_shipment_reference,
            "transportationMode": asn.transportation_mode,
            "billOfLadingNumber": asn.bill_of_lading_number,
        }
    )
    measurements = _drop_empty(
        {
            "grossShipmentWeight": _measure(asn.gross_weight),
            "cartonCount": asn.carton_count,
            "palletCount": asn.pallet_count,
        }
    )
    return _drop_empty(
        {
            "shipmentIdentifier": asn.shipment_identifier,
            "shipmentConfirmationType": asn.confirmation_type,
            "shipmentType": asn.shipment_type,
            "shipmentStructure": asn.shipment_structure,
            "transportationDetails": transport,
            "amazonReferenceNumber": asn.amazon_reference_number,
            "shipmentConfirmationDate": format_datetime(asn.confirmation_date),
            "shippedDate": asn.shipped_date and format_datetime(asn.shipped_date),
            "estimatedDeliveryDate": asn.estimated_delivery_date
            and format_datetime(asn.estimated_delivery_date),
            "sellingParty": party_json(asn.selling_party),
            "shipFromParty": party_json(asn.ship_from_party),
            "shipToParty": party_json(asn.ship_to_party),
            "shipmentMeasurements": measurements,
            "shippedItems": [
                _drop_empty(
                    {
                        "itemSequenceNumber": item.sequence_number,
                        "amazonProductIdentifier": item.asin,
                        "vendorProductIdentifier": item.vendor_product_id,
                        "shippedQuantity": quantity_json(item.shipped_quantity),
                        "itemDetails": _drop_empty(
                            {"purchaseOrderNumber": item.purchase_order_number}
                        ),
                    }
                )
                for item in asn.shipped_items
            ],
            "cartons": [_carton(c) for c in asn.cartons],
            "pallets": [_pallet(p) for p in asn.pallets],
        }
    )
