"""The purchase orders Amazon sends for an uploaded Bulk Buy offer (`POST /_simulator/offers`).

Every delivery stage with a quantity on an approved row is ordered: rows sharing a stage
window go on POs whose delivery window lies inside that window, at the row's unit cost, in
eaches, to one FC, created now. The POs are then served like generated ones (listing by
created date, getPurchaseOrder, status, acknowledgements, ASNs) until the simulator is reset.

How a stage becomes POs (Amazon does not document it; this rule makes "two POs from one
offer" happen with ordinary files):
- a PO carries at most `MAX_LINES_PER_PO` rows, in sheet order;
- a stage that fits on one PO but orders `SPLIT_UNITS` units or more arrives as two POs, each
  line halved (the first PO gets the odd unit; a line of 1 unit stays whole on the first);
- the POs of one stage window share out its days in order, each PO its own consecutive days
  (POs share a day only when the window has fewer days than POs).
A delivery window runs from 06:00 UTC on its first day to 18:00 UTC on its last, so it keeps
its calendar dates in every European time zone.

The model's purchaseOrderType enum has no bulk type: "RegularOrder" is the one-time purchase
at a fixed quantity and price (ConsignedOrder is consignment stock, which a bulk buy is not).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from simulator.catalogue import (
    FULFILMENT_CENTRES,
    UNLISTED_FC,
    Product,
    Site,
    digest,
    products_for,
)
from simulator.generator import DAY, HOUR, Line, PoHeader, PurchaseOrder, World
from simulator.offer_sheet import OfferError, OfferRow, read_offer
from simulator.state import SimulatorState

MAX_LINES_PER_PO = 10
SPLIT_UNITS = 1_000
WINDOW_START_HOUR = 6
WINDOW_END_HOUR = 18
TRANSIT_DAYS = 3  # the ship window: the delivery window moved this much earlier
# Nobody acknowledged an offer PO before it existed: it stays New until the vendor does.
NEVER = 2**62
SITES = {**FULFILMENT_CENTRES, UNLISTED_FC.party_id: UNLISTED_FC}


@dataclass(frozen=True)
class PlannedOrder:
    """One PO to create: its delivery days (inclusive) and (row, eaches) lines."""

    stage: int
    first_day: date
    last_day: date
    lines: tuple[tuple[OfferRow, int], ...]


def _halves(lines: list[tuple[OfferRow, int]]) -> list[list[tuple[OfferRow, int]]]:
    first = [(row, quantity - quantity // 2) for row, quantity in lines]
    second = [(row, quantity // 2) for row, quantity in lines if quantity // 2]
    return [first, second] if second else [first]


def plan_orders(rows: Sequence[OfferRow]) -> list[PlannedOrder]:
    """The POs an offer's approved rows produce (see the module docstring for the rule)."""
    groups: dict[tuple[int, date, date], list[tuple[OfferRow, int]]] = {}
    for stage in (1, 2):
        for row in rows:
            if stage in row.stages:
                window = row.stages[stage]
                groups.setdefault((stage, window.start, window.end), []).append(
                    (row, window.quantity)
                )
    planned: list[PlannedOrder] = []
    for (stage, start, end), lines in groups.items():
        chunks = [lines[i : i + MAX_LINES_PER_PO] for i in range(0, len(lines), MAX_LINES_PER_PO)]
        if len(chunks) == 1 and sum(quantity for _, quantity in lines) >= SPLIT_UNITS:
            chunks = _halves(lines)
        days = (end - start).days + 1
        for i, chunk in enumerate(chunks):
            first = i * days // len(chunks)
            last = max(first, (i + 1) * days // len(chunks) - 1)
            planned.append(
                PlannedOrder(
                    stage,
                    start + timedelta(days=first),
                    start + timedelta(days=last),
                    tuple(chunk),
                )
            )
    return planned


def _moment(day: date, hour: int) -> int:
    return int(datetime.combine(day, time(hour), tzinfo=UTC).timestamp())


def _product(row: OfferRow, catalogue: Sequence[Product]) -> Product:
    """The row's product; an identifier the row leaves out comes from the vendor's catalogue."""
    known = next(
        (
            p
            for p in catalogue
            if (row.asin and p.asin == row.asin) or (row.ean and p.ean == row.ean)
        ),
        None,
    )
    return Product(
        asin=row.asin or (known.asin if known else ""),
        ean=row.ean or (known.ean if known else ""),
        net_cost=row.unit_cost,
        list_price=None,  # an offer names the cost only
        case_size=1,
        backorder_allowed=False,
        weight_unit=None,
        new=False,
    )


def _order(
    world: World, index: int, plan: PlannedOrder, vendor_code: str, fc: Site, now: int
) -> PurchaseOrder:
    delivery = (_moment(plan.first_day, WINDOW_START_HOUR), _moment(plan.last_day, WINDOW_END_HOUR))
    ship = (delivery[0] - TRANSIT_DAYS * DAY, delivery[1] - TRANSIT_DAYS * DAY)
    catalogue = products_for(world.seed, vendor_code)
    lines = tuple(
        Line(
            seq=seq,
            product=_product(row, catalogue),
            unit="Eaches",
            unit_size=1,
            quantity=quantity,
            changed_quantity=None,
            net_cost=row.unit_cost,
            hist_accept=1.0,  # unused: there is no historical acknowledgement
            hist_backorder=False,
            hist_received=1.0,  # once acknowledged, Amazon receives what was accepted
        )
        for seq, (row, quantity) in enumerate(plan.lines, start=1)
    )
    head = PoHeader(
        index=index,
        seed=world.seed,
        vendor_code=vendor_code,
        kind="bulk",
        created=now,
        fc=fc,
        ship_window=ship,
        delivery_window=delivery,
        changed_at=None,
        change_kind=None,
        changed_fc=None,
        ack_at=NEVER,
        rejected_all=False,
        first_receipt=delivery[0] + 6 * HOUR,
        close_at=delivery[1] + 2 * DAY,
    )
    return PurchaseOrder(
        header=head,
        window_fields="delivery",
        po_type="RegularOrder",
        payment_method="Invoice",
        deal_code=None,
        import_details=None,
        lines=lines,
    )


def _destination(world: World, ship_to: str | None, content: bytes) -> Site:
    if ship_to is None:  # one FC per offer, the same for the same file
        codes = sorted(FULFILMENT_CENTRES)
        pick = digest(world.seed, "offer-fc", hashlib.sha256(content).hexdigest())[0]
        return FULFILMENT_CENTRES[codes[pick % len(codes)]]
    if ship_to not in SITES:
        raise OfferError(
            f"ship_to {ship_to!r} is not an FC code of the simulator: {', '.join(sorted(SITES))}"
        )
    return SITES[ship_to]


def create_offer_orders(
    *,
    world: World,
    state: SimulatorState,
    content: bytes,
    vendor_code: str | None,
    ship_to: str | None,
    now: float,
) -> list[str]:
    """Create and publish the POs of an offer workbook; returns their numbers.

    Raises OfferError (nothing created) for a file Amazon could not read, a currency
    other than the simulator's, or an unknown vendor code or FC.
    """
    code = vendor_code or world.vendor_codes[0]
    if code not in world.vendor_codes:
        raise OfferError(
            f"vendor_code {code!r} is not one of the simulator's: {', '.join(world.vendor_codes)}"
        )
    fc = _destination(world, ship_to, content)
    rows = read_offer(content)
    currency = world.currency
    foreign = [f"Row {r.row}: {r.currency}" for r in rows if r.currency not in ("", currency)]
    if foreign:
        raise OfferError(f"The simulator's vendor account buys in {currency} only", foreign)
    planned = plan_orders(rows)
    indices = state.reserve_offer_indices(len(planned))
    orders = [
        _order(world, index, plan, code, fc, int(now))
        for index, plan in zip(indices, planned, strict=True)
    ]
    state.add_offer_orders(orders)
    return [order.header.number for order in orders]
