"""Pure: what each PO line answers (in eaches) → the OrderAcknowledgement Amazon receives.

No ORM. Quantities go out in the unit Amazon ordered in: cases when every part of the line is
a whole number of cases, otherwise eaches (a case partly credited can only be said in eaches).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from amazon1p.spapi import serialising
from amazon1p.spapi.types import (
    CASES,
    EACHES,
    AcknowledgementItem,
    ItemAcknowledgement,
    Money,
    OrderAcknowledgement,
    OrderItem,
    PurchaseOrder,
    Quantity,
)


@dataclass(frozen=True)
class LineAnswer:
    """One PO line's answer in eaches; accepted + backordered + rejected = ordered."""

    item: OrderItem
    accepted: int = 0
    backordered: int = 0
    rejected: int = 0
    rejection_reason: str = ""
    scheduled_ship_date: date | None = None
    scheduled_delivery_date: date | None = None
    # The price staff set for a line Amazon sent without netCost (per each, in the order's
    # currency); None: the PO's own netCost, or none.
    net_cost: Money | None = None


def _quantity(eaches: int, ordered: Quantity, whole_cases: bool) -> Quantity:
    if ordered.unit == CASES and whole_cases:
        return Quantity(eaches // (ordered.unit_size or 1), CASES, ordered.unit_size)
    return Quantity(eaches, EACHES)


def _moment(day: date | None) -> datetime | None:
    # Amazon takes date-times; a scheduled day means its start, in UTC.
    return datetime.combine(day, time(0), tzinfo=UTC) if day else None


def acknowledgement_item(answer: LineAnswer) -> AcknowledgementItem:
    ordered = answer.item.ordered_quantity
    size = ordered.unit_size or 1
    parts = [answer.accepted, answer.backordered, answer.rejected]
    whole = all(part % size == 0 for part in parts)
    entries = []
    if answer.accepted:
        entries.append(ItemAcknowledgement("Accepted", _quantity(answer.accepted, ordered, whole)))
    if answer.backordered:
        entries.append(
            ItemAcknowledgement(
                "Backordered",
                _quantity(answer.backordered, ordered, whole),
                scheduled_ship_date=_moment(answer.scheduled_ship_date),
                scheduled_delivery_date=_moment(answer.scheduled_delivery_date),
            )
        )
    if answer.rejected:
        entries.append(
            ItemAcknowledgement(
                "Rejected",
                _quantity(answer.rejected, ordered, whole),
                rejection_reason=answer.rejection_reason,
            )
        )
    if not entries:  # a line Amazon ordered nothing of (cancelled): say so, as zero rejected
        entries.append(
            ItemAcknowledgement(
                "Rejected",
                Quantity(0, ordered.unit, ordered.unit_size),
                rejection_reason=answer.rejection_reason or "TemporarilyUnavailable",
            )
        )
    return AcknowledgementItem(
        ordered_quantity=ordered,
        acknowledgements=tuple(entries),
        sequence_number=answer.item.sequence_number,
        asin=answer.item.asin,
        vendor_product_id=answer.item.vendor_product_id,
        # Amazon's netCost as it came (weight unit included), else the staff price.
        net_cost=answer.item.net_cost or answer.net_cost,
        list_price=answer.item.list_price,
    )


def acknowledgement_json_for_po(
    po: PurchaseOrder, answers: list[LineAnswer], acknowledged_at: datetime
) -> dict[str, Any]:
    """The OrderAcknowledgement of submitAcknowledgement's body, every line of the PO."""
    if po.selling_party is None:
        raise ValueError(f"PO {po.number} names no selling party to acknowledge as.")
    return serialising.serialise_acknowledgement(
        OrderAcknowledgement(
            purchase_order_number=po.number,
            selling_party=po.selling_party,
            acknowledgement_date=acknowledged_at,
            items=tuple(acknowledgement_item(answer) for answer in answers),
        )
    )
