"""Reads for the group-shipment pages."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from asn.models import AsnSubmission, GroupShipment, Placement, Shipment, ShipmentLine
from shops.models import Shop


def group_shipment_list(shop: Shop) -> QuerySet[GroupShipment]:
    """The shop's group shipments, newest first, with counts and the latest ASN's status."""
    latest_asn = AsnSubmission.objects.filter(group=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        GroupShipment.objects.filter(shop=shop)
        .select_related("warehouse")
        .annotate(
            order_count=Count("shipments", distinct=True),
            pallet_count=Count("containers", filter=Q(containers__kind="pallet"), distinct=True),
            carton_count=Count("containers", filter=Q(containers__kind="carton"), distinct=True),
            asn_status=Subquery(latest_asn.values("status")[:1]),
            asn_type=Subquery(latest_asn.values("confirmation_type")[:1]),
        )
        .order_by("-created_at", "-id")
    )


@dataclass
class LineRow:
    line: ShipmentLine
    placed: int

    @property
    def unplaced(self) -> int:
        return self.line.quantity - self.placed


@dataclass
class ShipmentRow:
    shipment: Shipment
    line_rows: list[LineRow] = field(default_factory=list)

    @property
    def lines(self) -> list[ShipmentLine]:
        return [row.line for row in self.line_rows]

    @property
    def quantity(self) -> int:
        return sum(row.line.quantity for row in self.line_rows)


def shipment_rows(group: GroupShipment) -> list[ShipmentRow]:
    """Each order of the group with its lines and how much of each is packed."""
    placed: dict[int, int] = defaultdict(int)
    for row in (
        Placement.objects.filter(line__shipment__group=group)
        .values("line_id")
        .annotate(total=Sum("quantity"))
    ):
        placed[row["line_id"]] = row["total"]
    rows: dict[int, ShipmentRow] = {}
    for shipment in Shipment.objects.filter(group=group).select_related("order"):
        rows[shipment.pk] = ShipmentRow(shipment)
    for line in ShipmentLine.objects.filter(shipment__group=group).select_related("row"):
        rows[line.shipment_id].line_rows.append(LineRow(line, placed[line.pk]))
    for shipment_row in rows.values():
        shipment_row.line_rows.sort(key=lambda r: r.line.row.position)
    return sorted(rows.values(), key=lambda r: r.shipment.order.number)
