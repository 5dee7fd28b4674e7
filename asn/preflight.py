"""The pre-flight check of a group shipment against Amazon's ASN rules.

Amazon takes an ASN (202) and judges it later, through the transaction status; a failure
then costs a day of back and forth with the FC. So everything Amazon is known to check is
checked here first, and every violation is listed, not only the first (docs/amazon.md,
"Shipment confirmations (ASN)").
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from asn.building import (
    asn_number,
    container_weights,
    is_palletised,
    shipment_confirmation_json_for_group,
    shipped_by_po_item,
)
from asn.gs1 import InvalidSSCC, normalise_sscc
from asn.models import (
    AsnStatus,
    AsnSubmission,
    AsnType,
    Container,
    ContainerKind,
    GroupShipment,
    ShipmentLine,
    ShipmentType,
)
from asn.placement import unplaced_lines
from asn.shipments import committed_quantities

SHIPPED_DATE_MAX_AGE = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)
SMALL_PARCEL_MAX_KG = 31.75  # Amazon: small-parcel boxes under 70 lb
SSCC_REUSE_DAYS = 365
SCAC_REQUIRED_REGION = "NA"  # SCAC and PRO are mandatory for US, CA and MX
_DATE_LIKE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$|^\d{8}$")
_BOL = re.compile(r"^[A-Za-z0-9-]{2,40}$")


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


def _bill_of_lading(group: GroupShipment, connection: AmazonConnection) -> list[Violation]:
    found: list[Violation] = []
    bol = group.bill_of_lading
    if not bol:
        if group.shipment_type != ShipmentType.SMALL_PARCEL:
            found.append(Violation("bol", "A bill of lading is required for LTL and truckload."))
        return found
    if len(bol) < 2 or _DATE_LIKE.match(bol):
        found.append(Violation("bol", f"Bill of lading {bol!r} is a date or a single character."))
    elif not _BOL.match(bol):
        found.append(
            Violation("bol", f"Bill of lading {bol!r}: only letters, digits and - are allowed.")
        )
    reused = GroupShipment.objects.filter(
        shop_id=group.shop_id,
        bill_of_lading=bol,
        created_at__gte=timezone.now() - timedelta(days=SSCC_REUSE_DAYS),
    ).exclude(pk=group.pk)
    if reused.exists():
        codes = ", ".join(reused.values_list("code", flat=True)[:3])
        found.append(Violation("bol", f"Bill of lading {bol} is already used by {codes}."))
    return found


def _dates(group: GroupShipment) -> list[Violation]:
    if group.shipped_at is None:
        return [Violation("ship_date", "Set the ship date (when the goods left the warehouse).")]
    now = timezone.now()
    if group.shipped_at > now + CLOCK_SKEW:
        return [
            Violation("ship_date", "The ship date is in the future: send the ASN on departure.")
        ]
    if group.shipped_at < now - SHIPPED_DATE_MAX_AGE:
        return [Violation("ship_date", "The ship date is more than 7 days ago; Amazon refuses it.")]
    return []


def _one_fc(group: GroupShipment) -> list[Violation]:
    found = []
    for number, raw in AmazonPurchaseOrder.objects.filter(
        order__shipments__group=group
    ).values_list("po_number", "raw"):
        fc = ((raw or {}).get("orderDetails") or {}).get("shipToParty", {}).get("partyId", "")
        if fc != group.fc_code:
            found.append(
                Violation("fc", f"PO {number} ships to {fc or 'no FC'}, not {group.fc_code}.")
            )
    return found


def _ssccs(group: GroupShipment) -> list[Violation]:
    found = []
    containers = list(Container.objects.filter(group=group))
    for container in containers:
        try:
            normalise_sscc(container.sscc)
        except InvalidSSCC as exc:
            found.append(Violation("sscc", f"{container.get_kind_display()}: {exc}"))
    since = timezone.now() - timedelta(days=SSCC_REUSE_DAYS)
    elsewhere = (
        Container.objects.filter(
            group__shop_id=group.shop_id,
            sscc__in=[c.sscc for c in containers],
            group__created_at__gte=since,
        )
        .exclude(group=group)
        .select_related("group")
    )
    for other in elsewhere:
        found.append(
            Violation("sscc", f"SSCC {other.sscc} is also on {other.group.code} (365-day rule).")
        )
    return found


def _placement(group: GroupShipment) -> list[Violation]:
    found = []
    lines = ShipmentLine.objects.filter(shipment__group=group)
    if not lines.exists():
        return [Violation("content", "The shipment has no orders or nothing to ship.")]
    for line, free in unplaced_lines(group):
        found.append(
            Violation(
                "placement",
                f"PO {line.shipment.order.number} row {line.row.position}: {free} not placed "
                "on a pallet.",
            )
        )
    for container in Container.objects.filter(group=group):
        empty = not container.placements.exists() and not (
            container.kind == ContainerKind.PALLET and container.cartons.exists()
        )
        if empty:
            found.append(
                Violation("placement", f"{container.get_kind_display()} {container.sscc} is empty.")
            )
    if not is_palletised(group):
        loose = Container.objects.filter(
            group=group, kind=ContainerKind.PALLET, placements__isnull=False
        ).distinct()
        for pallet in loose:
            found.append(
                Violation(
                    "structure",
                    f"Small parcel ships cartons: pallet {pallet.sscc} holds items outside a "
                    "carton.",
                )
            )
        for carton in Container.objects.filter(
            group=group, kind=ContainerKind.CARTON, tracking_number=""
        ):
            found.append(
                Violation(
                    "structure", f"Small parcel: carton {carton.sscc} has no tracking number."
                )
            )
    return found


def _quantities(group: GroupShipment) -> list[Violation]:
    """Shipped (this group and the order's other shipments) ≤ accepted, per row."""
    found = []
    orders = {
        line.shipment.order
        for line in ShipmentLine.objects.filter(shipment__group=group).select_related(
            "shipment__order"
        )
    }
    for order in sorted(orders, key=lambda o: o.number):
        committed = committed_quantities(order)
        if not committed:
            found.append(
                Violation("quantity", f"PO {order.number} has no successful acknowledgement.")
            )
            continue
        shipped: dict[int, int] = {}
        for row_id, quantity in ShipmentLine.objects.filter(shipment__order=order).values_list(
            "row_id", "quantity"
        ):
            shipped[row_id] = shipped.get(row_id, 0) + quantity
        for line in ShipmentLine.objects.filter(
            shipment__group=group, shipment__order=order
        ).select_related("row"):
            if shipped[line.row_id] > committed.get(line.row_id, 0):
                found.append(
                    Violation(
                        "quantity",
                        f"PO {order.number} row {line.row.position}: {shipped[line.row_id]} "
                        f"shipped, only {committed.get(line.row_id, 0)} acknowledged.",
                    )
                )
    return found


def _weights(group: GroupShipment, connection: AmazonConnection) -> list[Violation]:
    if is_palletised(group):
        return []
    weights = container_weights(group, connection).by_container
    return [
        Violation("weight", f"Carton {c.sscc} weighs {weights[c.pk]} kg; small parcel is < 70 lb.")
        for c in Container.objects.filter(group=group, kind=ContainerKind.CARTON)
        if (kg := weights.get(c.pk)) is not None and kg >= SMALL_PARCEL_MAX_KG
    ]


def _carrier(group: GroupShipment, connection: AmazonConnection) -> list[Violation]:
    if connection.region != SCAC_REQUIRED_REGION:
        return []
    found = []
    if not group.carrier_scac:
        found.append(Violation("carrier", "Amazon requires the carrier's SCAC in US, CA and MX."))
    if not group.carrier_reference:
        found.append(Violation("carrier", "Amazon requires the PRO number in US, CA and MX."))
    return found


def _replace(group: GroupShipment, connection: AmazonConnection) -> list[Violation]:
    """A Replace may only lower quantities of what the accepted ASN had."""
    accepted = (
        AsnSubmission.objects.filter(group=group, status=AsnStatus.SUCCESS)
        .order_by("-finished_at", "-id")
        .first()
    )
    if accepted is None:
        return []
    found = []
    if accepted.asn_number != asn_number(group, connection):
        found.append(
            Violation(
                "replace",
                f"A Replace keeps the ASN number {accepted.asn_number}; the bill of lading "
                "that gives it cannot change now.",
            )
        )
    before = shipped_by_po_item(accepted.payload)
    now = shipped_by_po_item(
        shipment_confirmation_json_for_group(group, connection, confirmation_type=AsnType.REPLACE)
    )
    for (po, product), quantity in sorted(now.items()):
        earlier = before.get((po, product), 0)
        if quantity > earlier:
            found.append(
                Violation(
                    "replace",
                    f"PO {po} {product}: {quantity} is more than the {earlier} of the accepted "
                    "ASN; a Replace may only reduce.",
                )
            )
    return found


def preflight(group: GroupShipment, connection: AmazonConnection) -> list[Violation]:
    """Every reason Amazon would refuse this group shipment's ASN (empty: good to send)."""
    return [
        *_one_fc(group),
        *_dates(group),
        *_bill_of_lading(group, connection),
        *_carrier(group, connection),
        *_placement(group),
        *_ssccs(group),
        *_quantities(group),
        *_weights(group, connection),
        *_replace(group, connection),
    ]
