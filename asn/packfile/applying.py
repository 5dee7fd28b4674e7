"""Writing a matched pack file: the group shipment becomes exactly `Packing`.

Orders, lines, containers and placements not in the file go; those in it are created or set.
A container whose SSCC the file keeps, as the same kind on the same pallet, stays the same
row, so what staff recorded on it (gross weight, tracking number) survives a new file; every
placement is written anew. Runs inside the caller's transaction, under the group's lock.
"""

from asn.models import Container, ContainerKind, GroupShipment, Placement, Shipment, ShipmentLine
from asn.packfile.matching import LineKey, LineTarget, Packing


def _containers_write(group: GroupShipment, wanted: dict[str, tuple[str, str]]) -> dict[str, int]:
    """SSCC → container id, after removing the containers the file changes or leaves out."""
    kept: dict[str, int] = {}
    for pk, sscc, kind, pallet in Container.objects.filter(group=group).values_list(
        "pk", "sscc", "kind", "pallet__sscc"
    ):
        if wanted.get(sscc) == (kind, pallet or ""):
            kept[sscc] = pk
    # A pallet that goes takes its cartons (CASCADE); those are never kept: a kept carton's
    # pallet is a pallet in the file too, so it is kept as well.
    Container.objects.filter(group=group).exclude(pk__in=kept.values()).delete()
    for kind in (ContainerKind.PALLET, ContainerKind.CARTON):  # a carton needs its pallet first
        new = [
            Container(group=group, kind=kind, sscc=sscc, pallet_id=kept.get(pallet))
            for sscc, (want_kind, pallet) in wanted.items()
            if want_kind == kind and sscc not in kept
        ]
        kept.update((c.sscc, c.pk) for c in Container.objects.bulk_create(new))
    return kept


def _shipments_write(group: GroupShipment, order_ids: set[int]) -> dict[int, int]:
    """Order id → shipment id, the group's orders being `order_ids` afterwards."""
    Shipment.objects.filter(group=group).exclude(order_id__in=order_ids).delete()
    shipments = dict(Shipment.objects.filter(group=group).values_list("order_id", "pk"))
    new = [Shipment(group=group, order_id=order_id) for order_id in order_ids - shipments.keys()]
    shipments.update((s.order_id, s.pk) for s in Shipment.objects.bulk_create(new))
    return shipments


def _lines_write(group: GroupShipment, wanted: dict[LineKey, LineTarget]) -> dict[LineKey, int]:
    """(order id, row id) → shipment line id, with the group's orders and lines set to the
    file's: added, changed or removed. A line the file gives no weight keeps its own."""
    shipments = _shipments_write(group, {order_id for order_id, _ in wanted})
    lines = {
        (line.shipment.order_id, line.row_id): line
        for line in ShipmentLine.objects.filter(shipment__group=group).select_related("shipment")
    }
    gone = [lines.pop(key).pk for key in set(lines) - set(wanted)]
    ShipmentLine.objects.filter(pk__in=gone).delete()
    changed = []
    for key, line in lines.items():
        want = (wanted[key].quantity, wanted[key].unit_weight_kg or line.unit_weight_kg)
        if (line.quantity, line.unit_weight_kg) != want:
            line.quantity, line.unit_weight_kg = want
            changed.append(line)
    ShipmentLine.objects.bulk_update(changed, ["quantity", "unit_weight_kg"])
    new = {
        key: ShipmentLine(
            shipment_id=shipments[key[0]],
            row_id=key[1],
            quantity=target.quantity,
            unit_weight_kg=target.unit_weight_kg,
        )
        for key, target in wanted.items()
        if key not in lines
    }
    ShipmentLine.objects.bulk_create(new.values())  # sets their ids (PostgreSQL)
    return {key: line.pk for key, line in (lines | new).items()}


def packing_write(*, group: GroupShipment, packing: Packing) -> None:
    """Make the group shipment's orders, lines, containers and placements `packing`'s."""
    Placement.objects.filter(container__group=group).delete()
    containers = _containers_write(group, packing.containers)
    lines = _lines_write(group, packing.lines)
    Placement.objects.bulk_create(
        Placement(line_id=lines[(order_id, row_id)], container_id=containers[sscc], quantity=qty)
        for (order_id, row_id, sscc), qty in packing.placements.items()
    )
