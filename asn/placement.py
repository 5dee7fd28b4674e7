"""Packing a group shipment: pallets, cartons on pallets, and what sits in each.

Rules (docs/amazon.md, "Shipment confirmations (ASN)"): every shipped each sits on a pallet,
loose or in a carton on that pallet; a line may be split over several containers; a carton
is on exactly one pallet; an identifier (SSCC) is a pallet or a carton, never both (one
`Container` table, unique SSCC per group). The database enforces the last two; this module
enforces the rest, always under the group's row lock, so two people packing at once cannot
overfill a line.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from asn.models import Container, ContainerKind, GroupShipment, Placement, ShipmentLine
from asn.shipments import ShipmentError, locked_draft, revision_bump
from asn.sscc import SsccError, sscc_allocate, sscc_supplied
from shops.audit import audit_record


class PlacementError(ShipmentError):
    """A packing step the rules refuse; the message is for the user."""


def _sscc(group: GroupShipment, sscc_text: str) -> str:
    try:
        if sscc_text.strip():
            return sscc_supplied(group.shop, sscc_text, group=group)
        return sscc_allocate(group.shop, group=group)[0]
    except SsccError as exc:
        raise PlacementError(str(exc)) from None


def _audit(group: GroupShipment, actor, action: str, **changes) -> None:
    audit_record(
        actor=actor,
        shop=group.shop,
        action=f"group_shipment.{action}",
        target=group,
        changes={k: str(v) for k, v in changes.items()},
    )


def pallet_add(*, group: GroupShipment, actor, sscc: str = "") -> Container:
    """A new pallet: the given SSCC (validated), or one generated from the company prefix."""
    with transaction.atomic():
        locked = locked_draft(group)
        code = _sscc(locked, sscc)
        if Container.objects.filter(group=locked, sscc=code).exists():
            raise PlacementError(f"SSCC {code} is already on this shipment.")
        pallet = Container.objects.create(group=locked, kind=ContainerKind.PALLET, sscc=code)
        revision_bump(locked)
        _audit(locked, actor, "pallet_add", sscc=code)
    return pallet


def carton_add(
    *, group: GroupShipment, pallet: Container, actor, sscc: str = "", tracking_number: str = ""
) -> Container:
    with transaction.atomic():
        locked = locked_draft(group)
        if pallet.group_id != locked.pk or pallet.kind != ContainerKind.PALLET:
            raise PlacementError("A carton goes on a pallet of the same shipment.")
        code = _sscc(locked, sscc)
        if Container.objects.filter(group=locked, sscc=code).exists():
            raise PlacementError(f"SSCC {code} is already on this shipment.")
        carton = Container.objects.create(
            group=locked,
            kind=ContainerKind.CARTON,
            sscc=code,
            pallet=pallet,
            tracking_number=tracking_number.strip(),
        )
        revision_bump(locked)
        _audit(locked, actor, "carton_add", sscc=code, pallet=pallet.sscc)
    return carton


CONTAINER_DETAILS = ("weight_kg", "length_cm", "width_cm", "height_cm", "tracking_number")


def container_update(*, container: Container, actor, **details) -> Container:
    """Set a container's measured weight, outer dimensions (all three or none) and tracking
    number; names not in CONTAINER_DETAILS are refused."""
    unknown = set(details) - set(CONTAINER_DETAILS)
    if unknown:
        raise ValueError(f"not container details: {sorted(unknown)}")
    dims = [details.get(name, getattr(container, name)) for name in CONTAINER_DETAILS[1:4]]
    if any(d is None for d in dims) and any(d is not None for d in dims):
        raise PlacementError("Give length, width and height together, or none of them.")
    with transaction.atomic():
        locked = locked_draft(container.group)
        row = Container.objects.select_for_update().get(pk=container.pk, group=locked)
        before = {name: getattr(row, name) for name in details}
        for name, value in details.items():
            setattr(row, name, value)
        row.save(update_fields=list(details))
        changed = {
            name: f"{before[name]} → {value}"
            for name, value in details.items()
            if before[name] != value
        }
        if changed:
            revision_bump(locked)
            _audit(locked, actor, "container_update", sscc=row.sscc, **changed)
    return row


def container_remove(*, container: Container, actor) -> None:
    """Remove a pallet (with its cartons) or a carton; what was in them becomes unplaced."""
    with transaction.atomic():
        locked = locked_draft(container.group)
        sscc = container.sscc
        container.delete()
        revision_bump(locked)
        _audit(locked, actor, "container_remove", sscc=sscc)


def _placed(line: ShipmentLine) -> int:
    return sum(p.quantity for p in Placement.objects.filter(line=line))


def place(*, line: ShipmentLine, container: Container, quantity: int, actor) -> Placement:
    """Put `quantity` more eaches of a line into a container (a carton or a pallet)."""
    if quantity <= 0:
        raise PlacementError("The quantity to place must be more than 0.")
    with transaction.atomic():
        locked = locked_draft(line.shipment.group)
        if container.group_id != locked.pk:
            raise PlacementError("The container belongs to another shipment.")
        line = ShipmentLine.objects.select_related("row").get(pk=line.pk)
        free = line.quantity - _placed(line)
        if quantity > free:
            raise PlacementError(
                f"Only {free} of row {line.row.position} ({line.row.ean}) are not placed yet."
            )
        placement, created = Placement.objects.get_or_create(
            line=line, container=container, defaults={"quantity": quantity}
        )
        if not created:
            placement.quantity += quantity
            placement.save(update_fields=["quantity"])
        revision_bump(locked)
        _audit(locked, actor, "place", row=line.row.position, sscc=container.sscc, qty=quantity)
    return placement


def unplace(*, placement: Placement, actor, quantity: int | None = None) -> None:
    """Take `quantity` (default all) of a placement out; they become unplaced."""
    with transaction.atomic():
        locked = locked_draft(placement.container.group)
        placement = Placement.objects.select_for_update().get(pk=placement.pk)
        take = placement.quantity if quantity is None else quantity
        if not 0 < take <= placement.quantity:
            raise PlacementError(f"Between 1 and {placement.quantity} can be taken out.")
        if take == placement.quantity:
            placement.delete()
        else:
            placement.quantity -= take
            placement.save(update_fields=["quantity"])
        revision_bump(locked)
        _audit(locked, actor, "unplace", placement=placement.pk, qty=take)


def move(*, placement: Placement, to: Container, actor, quantity: int | None = None) -> None:
    """Move eaches from one container to another (one step: unplace + place, atomically)."""
    with transaction.atomic():
        line = placement.line
        take = placement.quantity if quantity is None else quantity
        if to.pk == placement.container_id:
            raise PlacementError("Choose another container to move to.")
        unplace(placement=placement, actor=actor, quantity=take)
        place(line=line, container=to, quantity=take, actor=actor)


def place_all_unplaced(*, group: GroupShipment, container: Container, actor) -> int:
    """Move every unplaced each of the shipment into one container; returns how many."""
    moved = 0
    with transaction.atomic():
        locked_draft(group)
        for line, free in unplaced_lines(group):
            place(line=line, container=container, quantity=free, actor=actor)
            moved += free
    return moved


def unplaced_lines(group: GroupShipment) -> list[tuple[ShipmentLine, int]]:
    """Lines with eaches not placed yet, and how many."""
    placed: dict[int, int] = defaultdict(int)
    for line_id, qty in Placement.objects.filter(line__shipment__group=group).values_list(
        "line_id", "quantity"
    ):
        placed[line_id] += qty
    lines = ShipmentLine.objects.filter(shipment__group=group).select_related(
        "row", "shipment__order"
    )
    return [
        (line, line.quantity - placed[line.pk]) for line in lines if line.quantity > placed[line.pk]
    ]


@dataclass
class PackedContainer:
    container: Container
    placements: list[Placement] = field(default_factory=list)
    cartons: list["PackedContainer"] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return sum(p.quantity for p in self.placements) + sum(c.quantity for c in self.cartons)


def packing_tree(group: GroupShipment) -> list[PackedContainer]:
    """Pallets in order, each with its loose placements and its cartons (two queries)."""
    containers = list(Container.objects.filter(group=group).order_by("id"))
    placements = (
        Placement.objects.filter(container__group=group)
        .select_related("line__row", "line__shipment__order")
        .order_by("line__shipment__order__number", "line__row__position")
    )
    packed = {c.pk: PackedContainer(c) for c in containers}
    for p in placements:
        packed[p.container_id].placements.append(p)
    pallets = [packed[c.pk] for c in containers if c.kind == ContainerKind.PALLET]
    for c in containers:
        # A carton always has a pallet (constraint carton_on_a_pallet).
        if c.kind == ContainerKind.CARTON and c.pallet_id is not None:
            packed[c.pallet_id].cartons.append(packed[c.pk])
    return pallets
