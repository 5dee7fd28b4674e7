"""The fulfillment center receiving what accepted ASNs shipped.

A PO line that an accepted shipment confirmation (ASN) carries is received `receive_delay`
seconds after the ASN's transaction succeeded: the eaches the current version of that ASN
shipped, except that `shortage_rate` of the (shipment, PO line) pairs arrive one case short
(fixed per seed, shipment and line, so every call agrees). The PO status API then shows it:
`receivingStatus` NOT_RECEIVED until then, PARTIALLY_RECEIVED when fewer units arrived than
were accepted, RECEIVED otherwise; a PO whose accepted quantities all arrived is Closed.

POs no ASN names keep the generated history (`lifecycle.snapshot`): this only replaces the
received quantities of POs the vendor shipped through the simulator.
"""

import dataclasses
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from simulator.lifecycle import LineState, Snapshot
from simulator.state import SimulatorState
from simulator.wire import Context


@dataclass(frozen=True)
class Arrival:
    """What one shipment brought for one PO line, and when it is received."""

    shipment: str
    at: float
    eaches: int


_index_lock = threading.Lock()
_index: dict[int, tuple[tuple[int, str], dict[str, list[tuple[str, int, int, float]]]]] = {}


def _shipped_by_po(state: SimulatorState) -> dict[str, list[tuple[str, int, int, float]]]:
    """PO number → [(shipment identifier, line, eaches, success time)] of the current version
    of each ASN (a later Replace supersedes the earlier one); rebuilt when ASNs were added.

    Transactions that will fail keep no record (`add_transaction`), so every record here
    succeeds at its transaction's `final_at`.
    """
    records = state.shipments()
    # Records are only appended (or all forgotten by a reset): their count and the last
    # transaction identify the list.
    version = (len(records), records[-1].transaction.transaction_id if records else "")
    with _index_lock:
        cached = _index.get(id(state))
        if cached is not None and cached[0] == version:
            return cached[1]
    latest = {received.record.identifier: received for received in records}
    by_po: dict[str, list[tuple[str, int, int, float]]] = {}
    for received in latest.values():
        for (number, seq), eaches in received.record.quantities.items():
            by_po.setdefault(number, []).append(
                (received.record.identifier, seq, eaches, received.transaction.final_at)
            )
    with _index_lock:
        _index[id(state)] = (version, by_po)
    return by_po


def has_shipments(ctx: Context, number: str) -> bool:
    """Whether an accepted ASN ships (part of) PO `number`."""
    return number in _shipped_by_po(ctx.state)


def is_short(seed: int, shipment: str, number: str, seq: int, rate: float) -> bool:
    """Whether this shipment's part of this PO line arrives one case short (deterministic)."""
    if rate <= 0.0:
        return False
    digest = hashlib.sha256(f"{seed}:{shipment}:{number}:{seq}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def arrivals(ctx: Context, number: str) -> Mapping[int, list[Arrival]]:
    """Line → what each accepted shipment brings (eaches, after any shortage) and when."""
    found: dict[int, list[Arrival]] = {}
    for shipment, seq, eaches, succeeded_at in _shipped_by_po(ctx.state).get(number, ()):
        found.setdefault(seq, []).append(
            Arrival(shipment, succeeded_at + ctx.config.receive_delay, eaches)
        )
    return found


def _received_units(state: LineState, eaches: int) -> int:
    """Eaches in the line's unit of measure (whole cases for a line ordered in cases)."""
    if state.line.unit == "Cases":
        return eaches // max(1, state.line.unit_size)
    return eaches


def with_receipts(ctx: Context, snap: Snapshot, now: float) -> Snapshot:
    """`snap` with the received quantities of its shipped lines, if an ASN ships it."""
    number = snap.header.number
    if not has_shipments(ctx, number):
        return snap
    by_line = arrivals(ctx, number)
    lines: list[LineState] = []
    last: float | None = None
    for state in snap.lines:
        eaches = 0
        for arrival in by_line.get(state.line.seq, ()):
            if arrival.at > now:
                continue
            last = arrival.at if last is None else max(last, arrival.at)
            case = max(1, state.line.unit_size)
            short = is_short(
                ctx.config.seed, arrival.shipment, number, state.line.seq, ctx.config.shortage_rate
            )
            eaches += max(0, arrival.eaches - (case if short else 0))
        lines.append(dataclasses.replace(state, received=_received_units(state, eaches)))
    tl = snap.timeline
    expected = [s for s in lines if s.accepted]
    complete = bool(expected) and all(s.received >= (s.accepted or 0) for s in expected)
    stage = 2 if complete else (1 if any(s.received for s in lines) else 0)
    last_receipt = int(last) if last is not None else None
    timeline = dataclasses.replace(
        tl,
        receipt_stage=stage,
        last_receipt=last_receipt,
        state="Closed" if complete else ("Acknowledged" if tl.ack_time else tl.state),
        state_changed_at=last_receipt if complete and last_receipt else tl.state_changed_at,
        last_updated=max(tl.last_updated, last_receipt or 0),
    )
    return dataclasses.replace(snap, timeline=timeline, lines=tuple(lines))


@dataclass(frozen=True)
class LineFlow:
    """What accepted ASNs shipped of one PO line and what the FC received of it, in eaches;
    `received` is None until the first shipment carrying the line has arrived."""

    shipped: int
    received: int | None


def line_flow(ctx: Context, number: str, seq: int, case_size: int, now: float) -> LineFlow:
    """Shipped and received eaches of PO line (`number`, `seq`), as `with_receipts` counts
    them (a short arrival lacks one case of `case_size` eaches)."""
    shipped, received, arrived = 0, 0, False
    for arrival in arrivals(ctx, number).get(seq, ()):
        shipped += arrival.eaches
        if arrival.at > now:
            continue
        arrived = True
        short = is_short(ctx.config.seed, arrival.shipment, number, seq, ctx.config.shortage_rate)
        received += max(0, arrival.eaches - (max(1, case_size) if short else 0))
    return LineFlow(shipped, received if arrived else None)
