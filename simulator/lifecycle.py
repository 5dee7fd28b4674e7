"""What a generated PO looks like at a given moment.

States follow age, like a real vendor account's history: a PO is New until the vendor's
(historical) acknowledgement 10 h - 5 days after creation, then Acknowledged, then Closed once
fully received after the delivery window (or at once, if every line was rejected). An
acknowledgement submitted to the simulator replaces the historical one from the moment its
transaction succeeds.

`timeline` works from the header alone, so listing by updated date can scan many POs cheaply;
`snapshot` adds the lines and the quantities for the order and status payloads.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass

from simulator.generator import DAY, HOUR, Line, PoHeader, PurchaseOrder


@dataclass(frozen=True)
class LineAck:
    """The vendor's answer for one line, in the line's unit of measure."""

    accepted: int
    rejected: int


@dataclass(frozen=True)
class VendorAck:
    """An acknowledgement submitted to the simulator; it counts from `effective_at`."""

    effective_at: float
    acknowledged_at: int  # the body's acknowledgementDate, epoch seconds
    lines: Mapping[int, LineAck]  # by itemSequenceNumber


@dataclass(frozen=True)
class Timeline:
    """PO-level state at a moment."""

    state: str  # New, Acknowledged, Closed
    state_changed_at: int
    changed: bool  # Amazon's change is visible
    ack_time: int | None
    receipt_stage: int  # 0 nothing received, 1 first receipt, 2 final receipt
    last_receipt: int | None
    last_updated: int


@dataclass(frozen=True)
class LineState:
    """One line at a moment."""

    line: Line
    quantity: int  # currently ordered (0 when Amazon cancelled the line)
    accepted: int | None  # None: not acknowledged
    rejected: int | None
    ack_date: int | None
    received: int

    @property
    def confirmation(self) -> str:
        if self.accepted is None or self.rejected is None or self.quantity == 0:
            return "UNCONFIRMED"
        if self.accepted >= self.quantity:
            return "ACCEPTED"
        if self.accepted == 0 and self.rejected > 0:
            return "REJECTED"
        return "PARTIALLY_ACCEPTED"

    @property
    def receive_status(self) -> str:
        if self.received == 0:
            return "NOT_RECEIVED"
        if self.accepted is not None and self.received >= self.accepted:
            return "RECEIVED"
        return "PARTIALLY_RECEIVED"


@dataclass(frozen=True)
class Snapshot:
    """A full PO at a moment."""

    order: PurchaseOrder
    timeline: Timeline
    lines: tuple[LineState, ...]

    @property
    def header(self) -> PoHeader:
        return self.order.header


def timeline(head: PoHeader, now: float, ack_time: int | None, accepted_any: bool) -> Timeline:
    """The PO's state at `now`, given when (if ever) it was acknowledged."""
    changed = head.changed_at is not None and head.changed_at <= now
    events = [head.created] + ([head.changed_at] if changed and head.changed_at else [])
    if ack_time is None or ack_time > now:
        return Timeline("New", head.created, changed, None, 0, None, max(events))
    events.append(ack_time)
    if not accepted_any:  # every line rejected: Amazon closes the PO
        return Timeline("Closed", ack_time, changed, ack_time, 0, None, max(events))
    # Goods can only arrive after the acknowledgement, whenever that came.
    first = max(head.first_receipt, ack_time + 6 * HOUR)
    close = max(head.close_at, first + DAY)
    stage, last = 0, None
    if now >= close:
        stage, last = 2, close - 2 * HOUR
        events += [first, close]
    elif now >= first:
        stage, last = 1, first
        events.append(first)
    state, since = ("Closed", close) if now >= close else ("Acknowledged", ack_time)
    return Timeline(state, since, changed, ack_time, stage, last, max(events))


def header_timeline(head: PoHeader, now: float) -> Timeline:
    """`timeline` for a PO nobody acknowledged through the simulator."""
    return timeline(head, now, head.ack_at, not head.rejected_all)


def current_quantity(line: Line, changed: bool) -> int:
    if changed and line.changed_quantity is not None:
        return line.changed_quantity
    return line.quantity


def historical_answer(line: Line, quantity: int, rejected_all: bool) -> LineAck:
    """The vendor's historical answer to a line (before any simulator acknowledgement)."""
    if rejected_all or line.hist_accept == 0.0 or quantity == 0:
        return LineAck(0, quantity)
    accepted = quantity if line.hist_accept >= 1.0 else math.floor(quantity * line.hist_accept)
    accepted = min(quantity, max(1, accepted))
    return LineAck(accepted, quantity - accepted)


def snapshot(order: PurchaseOrder, now: float, vendor_ack: VendorAck | None) -> Snapshot:
    """The PO at `now`; `vendor_ack` is the latest acknowledgement submitted to the simulator."""
    head = order.header
    changed = head.changed_at is not None and head.changed_at <= now
    quantities = [current_quantity(line, changed) for line in order.lines]
    answers: list[LineAck | None]
    if vendor_ack is not None and vendor_ack.effective_at <= now:
        ack_time: int | None = int(vendor_ack.effective_at)
        ack_date: int | None = vendor_ack.acknowledged_at
        answers = [vendor_ack.lines.get(line.seq) for line in order.lines]
    elif head.ack_at <= now:
        ack_time = ack_date = head.ack_at
        answers = [
            historical_answer(line, quantity, head.rejected_all)
            for line, quantity in zip(order.lines, quantities, strict=True)
        ]
    else:
        ack_time = ack_date = None
        answers = [None] * len(order.lines)
    accepted_any = any(answer is not None and answer.accepted > 0 for answer in answers)
    line_timeline = timeline(head, now, ack_time, accepted_any)
    states = []
    for line, quantity, answer in zip(order.lines, quantities, answers, strict=True):
        received = 0
        if answer is not None and line_timeline.receipt_stage:
            final = math.floor(answer.accepted * line.hist_received)
            received = final if line_timeline.receipt_stage == 2 else math.ceil(final * 0.6)
        states.append(
            LineState(
                line=line,
                quantity=quantity,
                accepted=answer.accepted if answer else None,
                rejected=answer.rejected if answer else None,
                ack_date=ack_date if answer else None,
                received=received,
            )
        )
    return Snapshot(order=order, timeline=line_timeline, lines=tuple(states))
