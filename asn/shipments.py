"""Group shipments and what each order ships in them.

What an order row may ship is what Amazon accepted in the order's latest successful
acknowledgement (accepted now or backordered), less what other group shipments already
ship of it. Every change bumps the group's `revision` (stale forms are refused) and is
audited.
"""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from amazon1p.acknowledgements.models import Acknowledgement, AckStatus
from amazon1p.importing.models import AmazonPurchaseOrder
from asn.models import (
    GroupShipment,
    Placement,
    Shipment,
    ShipmentLine,
    ShipmentType,
    Warehouse,
)
from core.errors import ShopCtrlError
from orders.models import Order
from shops.audit import audit_record
from shops.models import Shop


class ShipmentError(ShopCtrlError):
    """A change to a group shipment that the rules refuse; the message is for the user."""


def _order_fc_code(order: Order) -> str:
    raw = (
        AmazonPurchaseOrder.objects.filter(order=order).values_list("raw", flat=True).first() or {}
    )
    party = (raw.get("orderDetails") or {}).get("shipToParty") or {}
    return str(party.get("partyId") or "")


def committed_quantities(order: Order) -> dict[int, int]:
    """Row id → eaches Amazon accepted (now or backordered) in the latest successful
    acknowledgement; empty when the order has none."""
    ack = (
        Acknowledgement.objects.filter(order=order, status=AckStatus.SUCCESS)
        .order_by("-finished_at", "-id")
        .first()
    )
    if ack is None:
        return {}
    return {line.row_id: line.committed for line in ack.lines.all()}


def shipped_elsewhere(order: Order, group: GroupShipment | None) -> dict[int, int]:
    """Row id → eaches already on lines of the order's other group shipments."""
    lines = ShipmentLine.objects.filter(shipment__order=order)
    if group is not None:
        lines = lines.exclude(shipment__group=group)
    return {
        row["row_id"]: row["total"]
        for row in lines.values("row_id").annotate(total=Sum("quantity"))
    }


def shippable_quantities(order: Order, group: GroupShipment | None = None) -> dict[int, int]:
    """Row id → how many eaches may still ship in `group` (0 rows left out)."""
    committed = committed_quantities(order)
    elsewhere = shipped_elsewhere(order, group)
    left = {row: qty - elsewhere.get(row, 0) for row, qty in committed.items()}
    return {row: qty for row, qty in left.items() if qty > 0}


def locked_draft(group: GroupShipment) -> GroupShipment:
    locked = GroupShipment.objects.select_for_update().get(pk=group.pk)
    if not locked.is_editable:
        raise ShipmentError(
            f"Group shipment {locked.code} is {locked.get_status_display().lower()}: "
            "its content can no longer change."
        )
    return locked


def lock_order(order: Order) -> None:
    """Hold the order while its shippable quantities are read and spent, so two group
    shipments (or a pack file and a person) cannot ship the same eaches twice. Always taken
    after the group's lock, in order-id order when several, so locks never cross."""
    Order.objects.select_for_update().filter(pk=order.pk).first()


def revision_bump(group: GroupShipment) -> None:
    GroupShipment.objects.filter(pk=group.pk).update(
        revision=F("revision") + 1, updated_at=timezone.now()
    )
    group.refresh_from_db(fields=["revision", "updated_at"])


def _next_code(shop: Shop) -> str:
    """GS-YYYY-NNNNN, counting per shop and year (called under the shop's lock)."""
    year = timezone.now().year
    prefix = f"GS-{year}-"
    last = (
        GroupShipment.objects.filter(shop=shop, code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.removeprefix(prefix)) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{number:05d}"


@dataclass(frozen=True)
class GroupShipmentData:
    warehouse: Warehouse
    fc_code: str
    shipment_type: str = ShipmentType.LTL
    carrier_scac: str = ""
    carrier_reference: str = ""
    bill_of_lading: str = ""
    shipped_at: datetime | None = None
    estimated_delivery_at: datetime | None = None


TRANSPORT_FIELDS = (
    "warehouse",
    "fc_code",
    "shipment_type",
    "carrier_scac",
    "carrier_reference",
    "bill_of_lading",
    "shipped_at",
    "estimated_delivery_at",
)


def group_shipment_create(
    *, shop: Shop, data: GroupShipmentData, actor: User | None
) -> GroupShipment:
    if data.warehouse.shop_id != shop.pk:
        raise ShipmentError("The warehouse belongs to another shop.")
    with transaction.atomic():
        Shop.objects.select_for_update().get(pk=shop.pk)  # one code at a time per shop
        group = GroupShipment.objects.create(
            shop=shop,
            code=_next_code(shop),
            created_by=actor if actor and actor.is_authenticated else None,
            **{name: getattr(data, name) for name in TRANSPORT_FIELDS},
        )
        audit_record(actor=actor, shop=shop, action="group_shipment.create", target=group)
    return group


def group_shipment_update(
    *, group: GroupShipment, data: GroupShipmentData, revision: int, actor
) -> GroupShipment:
    """Change transport details (not the FC once orders are in: they decide it)."""
    with transaction.atomic():
        locked = locked_draft(group)
        if locked.revision != revision:
            raise ShipmentError("Someone changed this shipment meanwhile; reload and try again.")
        if data.fc_code != locked.fc_code and locked.shipments.exists():
            raise ShipmentError("The FC is fixed by the orders in the shipment; remove them first.")
        before = {name: getattr(locked, name) for name in TRANSPORT_FIELDS}
        for name in TRANSPORT_FIELDS:
            setattr(locked, name, getattr(data, name))
        locked.save()
        revision_bump(locked)
        changes = {
            name: [str(before[name]), str(getattr(locked, name))]
            for name in TRANSPORT_FIELDS
            if before[name] != getattr(locked, name)
        }
        audit_record(
            actor=actor,
            shop=locked.shop,
            action="group_shipment.update",
            target=locked,
            changes=changes,
        )
    return locked


def shipment_add_order(*, group: GroupShipment, order: Order, actor) -> Shipment:
    """Add an order with everything it may still ship (staff lower it afterwards)."""
    with transaction.atomic():
        locked = locked_draft(group)
        if order.shop_id != locked.shop_id:
            raise ShipmentError("The order belongs to another shop.")
        lock_order(order)
        fc_code = _order_fc_code(order)
        if fc_code != locked.fc_code:
            raise ShipmentError(
                f"Order {order.number} ships to {fc_code or 'no FC'}, "
                f"this shipment to {locked.fc_code}: one group shipment goes to one FC."
            )
        if Shipment.objects.filter(group=locked, order=order).exists():
            raise ShipmentError(f"Order {order.number} is already in this shipment.")
        left = shippable_quantities(order, locked)
        if not left:
            raise ShipmentError(
                f"Order {order.number} has nothing left to ship: it needs a successful "
                "acknowledgement, and other shipments may already carry what was accepted."
            )
        shipment = Shipment.objects.create(group=locked, order=order)
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=shipment, row_id=row_id, quantity=qty)
            for row_id, qty in sorted(left.items())
        )
        revision_bump(locked)
        audit_record(
            actor=actor,
            shop=locked.shop,
            action="group_shipment.add_order",
            target=locked,
            changes={"order": order.number},
        )
    return shipment


def shipment_remove(*, shipment: Shipment, actor) -> None:
    with transaction.atomic():
        locked = locked_draft(shipment.group)
        number = shipment.order.number
        shipment.delete()
        revision_bump(locked)
        audit_record(
            actor=actor,
            shop=locked.shop,
            action="group_shipment.remove_order",
            target=locked,
            changes={"order": number},
        )


def shipment_set_quantities(
    *, shipment: Shipment, quantities: Mapping[int, int], revision: int, actor
) -> None:
    """Set what ships per row (line id → eaches). 0 drops the line; placements above the new
    quantity must be undone first, so packing never holds more than ships."""
    with transaction.atomic():
        locked = locked_draft(shipment.group)
        if locked.revision != revision:
            raise ShipmentError("Someone changed this shipment meanwhile; reload and try again.")
        lock_order(shipment.order)
        left = shippable_quantities(shipment.order, locked)
        lines = {line.pk: line for line in shipment.lines.select_for_update()}
        placed = _placed_by_line(lines)
        changes: dict[str, list[int]] = {}
        for line_id, quantity in quantities.items():
            line = lines.get(line_id)
            if line is None:
                raise ShipmentError("A line of another shipment was given.")
            if quantity == line.quantity:
                continue
            if quantity > left.get(line.row_id, 0):
                raise ShipmentError(
                    f"Row {line.row.position} ({line.row.ean or line.row.sku}): {quantity} is "
                    f"more than the {left.get(line.row_id, 0)} accepted and not yet shipped."
                )
            if quantity < placed.get(line_id, 0):
                raise ShipmentError(
                    f"Row {line.row.position}: {placed[line_id]} are packed; unplace them "
                    f"before shipping only {quantity}."
                )
            changes[f"row {line.row.position}"] = [line.quantity, quantity]
            if quantity == 0:
                line.delete()
            else:
                line.quantity = quantity
                line.save(update_fields=["quantity"])
        if changes:
            revision_bump(locked)
            audit_record(
                actor=actor,
                shop=locked.shop,
                action="group_shipment.quantities",
                target=locked,
                changes={"order": shipment.order.number, **changes},
            )


def _placed_by_line(lines: Mapping[int, ShipmentLine]) -> dict[int, int]:
    ids = list(lines)
    totals: dict[int, int] = defaultdict(int)
    for line_id, quantity in Placement.objects.filter(line_id__in=ids).values_list(
        "line_id", "quantity"
    ):
        totals[line_id] += quantity
    return dict(totals)


def candidate_orders(group: GroupShipment) -> list[Order]:
    """Orders of the shop going to the group's FC with something left to ship."""
    order_ids = (
        AmazonPurchaseOrder.objects.filter(
            shop_id=group.shop_id,
            order__isnull=False,
            raw__orderDetails__shipToParty__partyId=group.fc_code,
            order__acknowledgements__status=AckStatus.SUCCESS,
        )
        .exclude(order__shipments__group=group)
        .values_list("order_id", flat=True)
    )
    orders = Order.objects.filter(pk__in=order_ids).order_by("number")
    return [order for order in orders if shippable_quantities(order, group)]
