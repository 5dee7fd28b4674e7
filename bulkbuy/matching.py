"""Does a purchase order fit a delivery stage of a completed offer? Pure: no ORM, clock or
settings — bulkbuy.linking loads what these functions need and writes what they decide.

A PO fits an offer's stage (a "slot") when every row it still wants (its quantity less its
credit rows) takes from one offer row of that stage: the same product (by EAN or ASIN), the
same unit price as the offer's unit cost, a delivery window inside the row's stage window,
and no more than the stage's final quantity left after the orders already linked to it.
The PO's window must also start at least the shop's minimum days after the PO's date.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from orders.models import PurchaseType


@dataclass(frozen=True)
class DateWindow:
    start: date
    end: date

    def __str__(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    def contains(self, other: "DateWindow") -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True)
class OrderLine:
    """An order row as linking sees it: `quantity` is what is left after credit rows."""

    row_id: int
    position: int
    label: str  # "EAN 4006381333931" (or the ASIN): how messages name the product
    product_ids: frozenset[int]
    quantity: int
    unit_price: Decimal | None  # None: the PO line came without a net cost


@dataclass(frozen=True)
class SlotRow:
    """One offer row in one delivery stage; `offered` is the stage's final quantity."""

    row_id: int
    row_number: int
    product_id: int
    unit_cost: Decimal
    window: DateWindow
    offered: int


@dataclass(frozen=True)
class Slot:
    """A delivery stage of an offer, with its rows for the products the order names."""

    offer_id: int
    offer_name: str
    currency: str
    stage: int
    rows: tuple[SlotRow, ...]

    @property
    def label(self) -> str:
        return f"offer {self.offer_name} stage {self.stage}"


@dataclass(frozen=True)
class Take:
    order_row_id: int
    offer_row_id: int
    quantity: int


@dataclass(frozen=True)
class Verdict:
    slot: Slot
    takes: tuple[Take, ...]
    discrepancies: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.discrepancies


def money(value: Decimal) -> str:
    """At least two decimals, up to four: 10.50, 10.495 — never hides a difference."""
    text = f"{value.quantize(Decimal('0.0001')):f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"{whole}.{cents.ljust(2, '0')}"


def slot_verdict(
    *,
    slot: Slot,
    lines: Sequence[OrderLine],
    window: DateWindow | None,
    currency: str,
    ordered_on: date,
    min_days_ahead: int | None,
    used: Mapping[int, int],
) -> Verdict:
    """Whether the order fits `slot`, and what it takes from each offer row if it does.

    `used`: eaches of each offer row (by id) in this stage already linked to other orders.
    `min_days_ahead` None skips the lead-time rule (a person linking by hand vouches).
    """
    problems: list[str] = []
    if not lines:
        problems.append("every row is credited: nothing is left to link")
    if window is None:
        problems.append("the PO has no delivery window")
    elif min_days_ahead is not None:
        lead = (window.start - ordered_on).days
        if lead < min_days_ahead:
            problems.append(
                f"delivery window starts {lead} days after the PO date, minimum {min_days_ahead}"
            )
    if currency != slot.currency:
        problems.append(f"the PO is in {currency}, {slot.label} in {slot.currency}")
    taken: dict[int, int] = {}
    takes: list[Take] = []
    outside: dict[DateWindow, list[int]] = {}

    def left(row: SlotRow) -> int:
        return max(row.offered - used.get(row.row_id, 0) - taken.get(row.row_id, 0), 0)

    for line in lines:
        candidates = [r for r in slot.rows if r.product_id in line.product_ids]
        if not candidates:
            problems.append(f"row {line.position} {line.label}: product not in {slot.label}")
            continue
        fitting = next(
            (
                row
                for row in candidates
                if line.unit_price == row.unit_cost
                and line.quantity <= left(row)
                and (window is None or row.window.contains(window))
            ),
            None,
        )
        if fitting is not None:
            taken[fitting.row_id] = taken.get(fitting.row_id, 0) + line.quantity
            takes.append(Take(line.row_id, fitting.row_id, line.quantity))
            continue
        # Described against the product's first row: an offer names a product once, as a
        # rule; when it names it twice, neither fits, and the first is the one to fix.
        row = candidates[0]
        name = f"row {line.position} {line.label}"
        if line.unit_price is None:  # Amazon sent no net cost and staff set none yet
            problems.append(f"{name}: no price yet ≠ offer {money(row.unit_cost)}")
        elif line.unit_price != row.unit_cost:
            problems.append(
                f"{name}: price {money(line.unit_price)} ≠ offer {money(row.unit_cost)}"
            )
        if line.quantity > left(row):
            problems.append(
                f"{name}: quantity {line.quantity} exceeds the {left(row)} left on {slot.label}"
            )
        if window is not None and not row.window.contains(window):
            outside.setdefault(row.window, []).append(line.position)
    for stage_window, positions in outside.items():
        # One message per stage window, not one per row: usually every row shares it.
        rows = ", ".join(str(p) for p in positions)
        problems.append(
            f"delivery window {window} outside {slot.label} window {stage_window} "
            f"(row{'s' * (len(positions) > 1)} {rows})"
        )
    return Verdict(slot, tuple(takes) if not problems else (), tuple(problems))


def classify(
    *,
    slots: Sequence[Slot],
    lines: Sequence[OrderLine],
    window: DateWindow | None,
    currency: str,
    ordered_on: date,
    min_days_ahead: int,
    used: Mapping[tuple[int, int], Mapping[int, int]],
) -> tuple[str, Verdict | None]:
    """The order's purchase type and the verdict behind it.

    `slots`: the stages of completed offers that name a product of the order in a window
    overlapping the PO's, oldest offer first; `used` by (offer id, stage). Bulk buy: the
    first slot the order fits. Weekly: no slot at all. Undefined: slots, but none fits — the
    verdict is the closest one (fewest discrepancies), for the alert.
    """
    if not slots:
        return PurchaseType.WEEKLY, None
    verdicts = [
        slot_verdict(
            slot=slot,
            lines=lines,
            window=window,
            currency=currency,
            ordered_on=ordered_on,
            min_days_ahead=min_days_ahead,
            used=used.get((slot.offer_id, slot.stage), {}),
        )
        for slot in slots
    ]
    for verdict in verdicts:
        if verdict.fits:
            return PurchaseType.BULK_BUY, verdict
    return PurchaseType.UNDEFINED, min(verdicts, key=lambda v: len(v.discrepancies))
