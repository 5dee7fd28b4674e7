"""Matching a pack file against the shop's orders: what the group shipment should become
(`Packing`), or why it cannot.

Called under the group's row lock; the orders the file names are row-locked too (in id
order, so two files never deadlock), so two group shipments packed at once cannot both ship
the same accepted eaches. The only writes are the SSCC records (`ssccs_record`), which the
caller's transaction rolls back with everything else when the file is refused.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from amazon1p.importing.models import AmazonPurchaseOrder
from amazon1p.picks.reading import Problem, normal_ean
from asn.models import Container, ContainerKind, GroupShipment, Placement, Shipment, ShipmentLine
from asn.packfile.reading import PackLine
from asn.shipments import shippable_quantities
from asn.sscc import SsccError, sscc_supplied
from orders.models import Order, OrderRow

LineKey = tuple[int, int]  # (order id, order row id)


@dataclass
class LineTarget:
    quantity: int = 0
    unit_weight_kg: Decimal | None = None  # None: the file gives none, the line keeps its own


@dataclass
class Packing:
    """A group shipment's content and packing, keyed by what a file can name.

    `containers`: SSCC → (kind, the pallet's SSCC for a carton, else ""); `placements`:
    (order id, row id, container SSCC) → eaches. The orders shipped are those of `lines`,
    plus `empty_orders` (shipments without lines, which only the current state can have)."""

    lines: dict[LineKey, LineTarget] = field(default_factory=dict)
    containers: dict[str, tuple[str, str]] = field(default_factory=dict)
    placements: dict[tuple[int, int, str], int] = field(default_factory=dict)
    empty_orders: set[int] = field(default_factory=set)

    @property
    def order_ids(self) -> set[int]:
        return {order_id for order_id, _ in self.lines} | self.empty_orders

    def count(self, kind: str) -> int:
        return sum(1 for k, _ in self.containers.values() if k == kind)

    def already(self, current: "Packing") -> bool:
        """Whether `current` is this already (a weight the file leaves out is anything)."""
        return (
            self.order_ids == current.order_ids
            and self.lines.keys() == current.lines.keys()
            and all(
                want.quantity == current.lines[key].quantity
                and want.unit_weight_kg in (None, current.lines[key].unit_weight_kg)
                for key, want in self.lines.items()
            )
            and self.containers == current.containers
            and self.placements == current.placements
        )


def packing_of(group: GroupShipment) -> Packing:
    """The group shipment as it is now."""
    packing = Packing(
        empty_orders=set(
            Shipment.objects.filter(group=group, lines__isnull=True).values_list(
                "order_id", flat=True
            )
        )
    )
    for order_id, row_id, quantity, weight in ShipmentLine.objects.filter(
        shipment__group=group
    ).values_list("shipment__order_id", "row_id", "quantity", "unit_weight_kg"):
        packing.lines[(order_id, row_id)] = LineTarget(quantity, weight)
    for sscc, kind, pallet in Container.objects.filter(group=group).values_list(
        "sscc", "kind", "pallet__sscc"
    ):
        packing.containers[sscc] = (kind, pallet or "")
    for order_id, row_id, sscc, quantity in Placement.objects.filter(
        container__group=group
    ).values_list("line__shipment__order_id", "line__row_id", "container__sscc", "quantity"):
        packing.placements[(order_id, row_id, sscc)] = quantity
    return packing


@dataclass
class _Po:
    """One PO of the file: its order, rows by EAN, what each row may still ship (and what
    is left of that while the file's lines take from it)."""

    order: Order
    rows_by_ean: dict[str, list[OrderRow]]
    shippable: dict[int, int]
    wanted: dict[str, int]  # EAN → eaches the whole file ships of it
    left: dict[int, int] = field(init=False)
    over: set[str] = field(default_factory=set)  # EANs already reported as too many

    def __post_init__(self) -> None:
        self.left = dict(self.shippable)


def _purchase_orders(
    group: GroupShipment, lines: list[PackLine], problems: list[Problem]
) -> dict[str, _Po]:
    """The file's POs that are the shop's and go to the group's FC, orders locked."""
    first_line: dict[str, int] = {}
    wanted: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for line in lines:
        first_line.setdefault(line.po, line.line)
        wanted[line.po][normal_ean(line.ean)] += line.quantity
    found = {
        apo.po_number: apo
        for apo in AmazonPurchaseOrder.objects.filter(
            shop_id=group.shop_id, po_number__in=first_line, order__isnull=False
        )
    }
    locked = Order.objects.select_for_update().filter(pk__in=[a.order_id for a in found.values()])
    orders = {order.pk: order for order in locked.order_by("pk")}
    pos = {}
    for po, line_number in first_line.items():
        apo = found.get(po)
        if apo is None or apo.order_id is None:  # found holds only POs with an order
            message = f"PO {po} is not an Amazon purchase order of this shop"
            problems.append(Problem(message, line_number))
            continue
        fc = ((apo.raw.get("orderDetails") or {}).get("shipToParty") or {}).get("partyId")
        if fc != group.fc_code:
            message = (
                f"PO {po} goes to FC {fc or 'unknown'}, this group shipment to "
                f"{group.fc_code}: one group shipment goes to one FC"
            )
            problems.append(Problem(message, line_number))
            continue
        order = orders[apo.order_id]
        rows_by_ean: dict[str, list[OrderRow]] = defaultdict(list)
        for row in order.rows.order_by("position"):
            rows_by_ean[normal_ean(row.ean)].append(row)
        pos[po] = _Po(order, rows_by_ean, shippable_quantities(order, group), wanted[po])
    return pos


def _place(packing: Packing, po: _Po, line: PackLine, problems: list[Problem]) -> None:
    """Put the line's eaches on its PO's rows with that EAN, in row order, as far as each may
    still ship (one EAN on several rows fills them one after another)."""
    ean = normal_ean(line.ean)
    rows = po.rows_by_ean.get(ean)
    if not rows:
        problems.append(Problem(f"PO {line.po} has no row with EAN {line.ean}", line.line))
        return
    todo = line.quantity
    for row in rows:
        take = min(todo, po.left.get(row.pk, 0))
        if not take:
            continue
        key = (po.order.pk, row.pk)
        target = packing.lines.setdefault(key, LineTarget())
        target.quantity += take
        if line.unit_weight_kg is not None:
            target.unit_weight_kg = line.unit_weight_kg
        place = (*key, line.container)
        packing.placements[place] = packing.placements.get(place, 0) + take
        po.left[row.pk] -= take
        todo -= take
    if todo and ean not in po.over:
        po.over.add(ean)
        may = sum(po.shippable.get(row.pk, 0) for row in rows)
        problems.append(
            Problem(
                f"PO {line.po}, EAN {line.ean}: the file ships {po.wanted[ean]}, but only {may} "
                "may still ship (accepted by Amazon and not in another group shipment)",
                line.line,
            )
        )


def packing_match(*, group: GroupShipment, lines: list[PackLine]) -> tuple[Packing, list[Problem]]:
    """What the group shipment becomes with these lines (eaches summed per order row and per
    container), and every line the shop's orders refuse: unknown PO, another FC, an EAN not
    on the PO, more than may still ship. Locks the orders named; call under the group's lock."""
    problems: list[Problem] = []
    pos = _purchase_orders(group, lines, problems)
    packing = Packing()
    for line in lines:
        if line.po in pos:
            _place(packing, pos[line.po], line, problems)
        packing.containers[line.pallet] = (ContainerKind.PALLET, "")
        if line.carton:
            packing.containers[line.carton] = (ContainerKind.CARTON, line.pallet)
    return packing, problems


def ssccs_record(*, group: GroupShipment, lines: list[PackLine]) -> list[Problem]:
    """Record the file's SSCCs as used (GS1: not again within 365 days), each once, at its
    first line; those this group shipment has used (on it now, or in an earlier file) may
    stay. Returns the refused ones; the caller rolls the records back if any is refused."""
    own = set(Container.objects.filter(group=group).values_list("sscc", flat=True))
    first_line: dict[str, int] = {}
    for line in lines:
        for sscc in (line.pallet, line.carton):
            if sscc:
                first_line.setdefault(sscc, line.line)
    problems = []
    for sscc, line_number in first_line.items():
        try:
            sscc_supplied(group.shop, sscc, group=group, reusable=own)
        except SsccError as exc:
            problems.append(Problem(str(exc), line_number))
    return problems
