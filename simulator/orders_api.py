"""getPurchaseOrders, getPurchaseOrder and getPurchaseOrdersStatus over the generated POs.

Listing walks the schedule's index range for the window (plus acknowledged POs, for
updated-date filters), tests each PO against the filters and stops one match past the page,
so a page costs O(page) for created windows. Changed and updated windows scan back as far as
a PO can still change or be updated after creation (5 days; up to 96 days for imports), and a
request examines at most SCAN_BUDGET POs before it answers a short page with a nextToken. The
nextToken carries the filters and where to resume; it stays valid as time passes.

POs created from uploaded offers (`offers.py`) sit above the schedule's indices; every
listing adds them as extra candidates, and `Context.po_header`/`purchase_order` serve both
kinds.

Each served PO's JSON is encoded once and kept in the simulator's `RenderCache`, keyed on
everything that JSON depends on, and a page joins those fragments: serving a PO again costs
its header and timeline, not the full PO, its snapshot and its encoding.
"""

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from simulator.catalogue import po_index
from simulator.faults import malform, malformation
from simulator.generator import (
    MAX_CHANGE_LAG,
    MAX_EVENT_LAG,
    MAX_LAG_BY_KIND,
    kind_of,
)
from simulator.lifecycle import Snapshot, Timeline, header_timeline, snapshot
from simulator.receiving import has_shipments, with_receipts
from simulator.render import order_json, status_json
from simulator.state import OFFER_INDEX_BASE
from simulator.validation import (
    MAX_WINDOW,
    bool_param,
    enum_param,
    history_floor,
    limit_param,
    window_param,
)
from simulator.wire import Context, Request, Response, error_response, json_bytes

PO_STATES = ("New", "Acknowledged", "Closed")
SORT_ORDERS = ("ASC", "DESC")
CONFIRMATIONS = ("ACCEPTED", "PARTIALLY_ACCEPTED", "REJECTED", "UNCONFIRMED")
RECEIVE_STATUSES = ("NOT_RECEIVED", "PARTIALLY_RECEIVED", "RECEIVED")
DEFAULT_LIMIT = 100
SCAN_BUDGET = 50_000  # candidate POs one request may examine (sparse filters, dense schedules)


def _snapshot(ctx: Context, index: int, now: float) -> Snapshot:
    """The PO at `now`, with what the FC received of the shipments ASNs announced."""
    snap = snapshot(ctx.purchase_order(index), now, ctx.state.vendor_ack(index, now))
    return with_receipts(ctx, snap, now)


def _timeline(ctx: Context, index: int, now: float) -> Timeline:
    """PO-level state; cheap (header only) unless the PO was acknowledged or shipped here."""
    if ctx.state.vendor_ack(index, now) is not None or _shipped_here(ctx, index):
        return _snapshot(ctx, index, now).timeline
    return header_timeline(ctx.po_header(index), now)


def _window_list(query: Mapping[str, str], prefix: str, now: float) -> list[float] | None:
    window = window_param(query, prefix, now)
    return window.as_list() if window else None


def _candidates(
    bounds: tuple[int, int], extra: list[int], descending: bool, after: int | None
) -> Iterator[int]:
    """Indices in `bounds` plus `extra`, in creation order, after the cursor `after`."""
    lo, hi = bounds
    pool = sorted({i for i in extra if i < lo or i >= hi})
    if descending:
        start = hi if after is None else min(hi, after)
        yield from (i for i in reversed(pool) if i >= hi and (after is None or i < after))
        yield from range(start - 1, lo - 1, -1)
        yield from (i for i in reversed(pool) if i < lo and (after is None or i < after))
    else:
        start = lo if after is None else max(lo, after + 1)
        yield from (i for i in pool if i < lo and (after is None or i > after))
        yield from range(start, hi)
        yield from (i for i in pool if i >= hi and (after is None or i > after))


def _bounds(
    ctx: Context, windows: list[tuple[list[float] | None, int]], now: float
) -> tuple[int, int]:
    """Index range covering every window (each widened back by its lag), capped at now."""
    lo, hi = ctx.world.first_after(history_floor(now)), ctx.world.first_after(now)
    for window, lag in windows:
        if window is not None:
            lo = max(lo, ctx.world.first_after(window[0] - lag))
            hi = min(hi, ctx.world.first_after(window[1]))
    return lo, max(lo, hi)


def _in(window: list[float] | None, moment: int | None) -> bool:
    return window is None or (moment is not None and window[0] < moment <= window[1])


def _resume(
    ctx: Context, operation: str, query: Mapping[str, str], build: Callable[[], dict[str, Any]]
) -> tuple[dict[str, Any], int | None, int]:
    """(filters, cursor, limit): from the nextToken if there is one, else from the query.

    With a nextToken Amazon uses the filters the token carries; the query's other filter
    parameters (which clients often repeat) do not matter.
    """
    limit = limit_param(query)
    if "nextToken" in query:
        state = ctx.codec.decode(operation, query["nextToken"])
        return state["f"], state["c"], limit or state["l"]
    return build(), None, limit or DEFAULT_LIMIT


def _page(
    ctx: Context,
    operation: str,
    state: tuple[dict[str, Any], int | None, int],
    candidates: Iterator[int],
    matches: Callable[[int], bool],
    render: Callable[[int], bytes],
    key: str,
) -> Response:
    """One page of matches plus, if more exist, a nextToken for the rest.

    The body is `{"payload": {"pagination": {"nextToken": …}, key: [...]}}` (no pagination on
    the last page), joined from the encoded POs `render` returns.
    """
    filters, _, limit = state
    size = max(1, int(limit * ctx.faults.short_page))  # --short-pages serves less than limit
    served: list[int] = []
    resume_at: int | None = None
    last: int | None = None
    for examined, index in enumerate(candidates, start=1):
        if examined > SCAN_BUDGET and last is not None:
            # Like Amazon, answer a short (even empty) page with a nextToken rather than
            # keep the caller waiting: the next call resumes the scan after `last`.
            resume_at = last
            break
        last = index
        if not matches(index):
            continue
        if len(served) == size:
            resume_at = served[-1]
            break
        served.append(index)
    parts = [b'{"payload":{']
    if resume_at is not None:
        token = ctx.codec.encode(operation, {"f": filters, "c": resume_at, "l": limit})
        parts += [b'"pagination":', json_bytes({"nextToken": token}), b","]
    parts += [json_bytes(key), b":[", b",".join([render(index) for index in served]), b"]}}"]
    return Response(200, b"".join(parts))


def _served_order(ctx: Context, index: int, now: float, details: bool) -> bytes:
    """PO `index` as encoded `Order` JSON, from the render cache when it was served before.

    The key holds every input of `order_json` and `malform` that can differ within one
    simulator (whose world, hence seed and currency, is fixed): the PO, `details`, the
    timeline's state, state_changed_at and changed (which also decides the line quantities,
    the windows and the destination) and `malformed_rate`, which with the PO and the seed
    decides the malformation. Nothing else of the moment shows, nor the accepted quantities
    of an acknowledgement (only the status does): an acknowledgement shows through the state.
    Unless the PO was acknowledged here, the timeline comes from the header alone, so a hit
    builds neither the lines, nor the snapshot, nor even the PO number.
    """
    ack = ctx.state.vendor_ack(index, now)
    head = ctx.po_header(index)
    snap = None if ack is None else snapshot(ctx.purchase_order(index), now, ack)
    tl = header_timeline(head, now) if snap is None else snap.timeline
    rate = ctx.config.malformed_rate
    key = ("order", index, details, tl.state, tl.state_changed_at, tl.changed, rate)
    body = ctx.renders.get(key)
    if body is None:
        kind = malformation(ctx.config, head.number)
        # The same acknowledgement (none) as the key: one submitted meanwhile must not show.
        if snap is None:
            snap = snapshot(ctx.purchase_order(index), now, None)
        order = order_json(snap, ctx.world, details=details)
        body = json_bytes(malform(order, kind) if kind else order)
        ctx.renders.put(key, body)
    return body


def _served_status(ctx: Context, index: int, now: float) -> bytes:
    """PO `index` as encoded `OrderStatus` JSON, cached unless acknowledged here.

    Without an acknowledgement here the snapshot is a function of the PO and its timeline:
    the timeline holds `changed` (quantities), whether the historical acknowledgement is in
    effect (`ack_time`: accepted and rejected quantities, their date) and the receipt stage
    (received quantities), so (PO, timeline) is a complete key. With one, its lines would have
    to join the key; such POs are few and are rendered every time.
    """
    ack = ctx.state.vendor_ack(index, now)
    if ack is not None or _shipped_here(ctx, index):  # receipts depend on the ASNs too
        return json_bytes(status_json(_snapshot(ctx, index, now), ctx.world))
    key = ("status", index, header_timeline(ctx.po_header(index), now))
    body = ctx.renders.get(key)
    if body is None:
        snap = snapshot(ctx.purchase_order(index), now, None)
        body = json_bytes(status_json(snap, ctx.world))
        ctx.renders.put(key, body)
    return body


def get_purchase_orders(ctx: Context, request: Request, _: dict[str, str]) -> Response:
    """GET /vendor/orders/v1/purchaseOrders."""
    now, query = request.now, request.query

    def build() -> dict[str, Any]:
        filters = {
            "created": _window_list(query, "created", now),
            "changed": _window_list(query, "changed", now),
            "sort": enum_param(query, "sortOrder", SORT_ORDERS) or "ASC",
            "details": bool_param(query, "includeDetails") is not False,
            "cancelled": enum_param(query, "poItemState", ("Cancelled",)) is not None,
            "changedOnly": bool(bool_param(query, "isPOChanged")),
            "state": enum_param(query, "purchaseOrderState", PO_STATES),
            "vendor": query.get("orderingVendorCode"),
        }
        if filters["created"] is None and filters["changed"] is None:
            filters["created"] = [now - MAX_WINDOW, now]  # Amazon's default: the last 7 days
        return filters

    state = _resume(ctx, "getPurchaseOrders", query, build)
    filters, cursor = state[0], state[1]

    def matches(index: int) -> bool:
        head = ctx.po_header(index)
        if filters["vendor"] and head.vendor_code != filters["vendor"]:
            return False
        if not _in(filters["created"], head.created):
            return False
        changed_at = head.changed_at if head.changed_at and head.changed_at <= now else None
        if filters["changed"] is not None and not _in(filters["changed"], changed_at):
            return False
        if (filters["changedOnly"] or filters["cancelled"]) and changed_at is None:
            return False
        if filters["cancelled"] and not any(
            line.changed_quantity == 0 for line in ctx.purchase_order(index).lines
        ):
            return False
        return not filters["state"] or _timeline(ctx, index, now).state == filters["state"]

    bounds = _bounds(ctx, [(filters["created"], 0), (filters["changed"], MAX_CHANGE_LAG)], now)
    return _page(
        ctx,
        "getPurchaseOrders",
        state,
        _candidates(bounds, ctx.state.offer_indices(), filters["sort"] == "DESC", cursor),
        matches,
        lambda index: _served_order(ctx, index, now, filters["details"]),
        "orders",
    )


def _exists(ctx: Context, index: int, now: float) -> bool:
    """Whether PO `index` is visible now: created, and within the 6-month history."""
    if index >= OFFER_INDEX_BASE and ctx.state.offer_order(index) is None:
        return False  # a number the codec decodes, but no offer PO (any more)
    return history_floor(now) <= ctx.po_header(index).created <= now


def known_index(ctx: Context, number: str, now: float) -> int | None:
    """The schedule index of PO `number` if that PO is visible now, else None."""
    index = po_index(ctx.world.seed, number)
    return index if index is not None and _exists(ctx, index, now) else None


def get_purchase_order(ctx: Context, request: Request, params: dict[str, str]) -> Response:
    """GET /vendor/orders/v1/purchaseOrders/{purchaseOrderNumber}."""
    now, number = request.now, params["purchaseOrderNumber"]
    index = known_index(ctx, number, now)
    if index is None:
        return error_response(
            404,
            "ResourceNotFound",
            "The requested purchase order was not found.",
            f"No purchase order {number} exists for this vendor group.",
        )
    return Response(200, b'{"payload":' + _served_order(ctx, index, now, True) + b"}")


def get_purchase_orders_status(ctx: Context, request: Request, _: dict[str, str]) -> Response:
    """GET /vendor/orders/v1/purchaseOrdersStatus."""
    now, query = request.now, request.query

    def build() -> dict[str, Any]:
        filters = {
            "created": _window_list(query, "created", now),
            "updated": _window_list(query, "updated", now),
            "sort": enum_param(query, "sortOrder", SORT_ORDERS) or "ASC",
            "po": query.get("purchaseOrderNumber"),
            "status": enum_param(query, "purchaseOrderStatus", ("OPEN", "CLOSED")),
            "confirmation": enum_param(query, "itemConfirmationStatus", CONFIRMATIONS),
            "receive": enum_param(query, "itemReceiveStatus", RECEIVE_STATUSES),
            "vendor": query.get("orderingVendorCode"),
            "shipTo": query.get("shipToPartyId"),
        }
        if not (filters["created"] or filters["updated"] or filters["po"]):
            filters["created"] = [now - MAX_WINDOW, now]
        return filters

    state = _resume(ctx, "getPurchaseOrdersStatus", query, build)
    filters, cursor = state[0], state[1]

    def matches(index: int) -> bool:
        if (
            filters["updated"] is not None
            and index not in acknowledged
            and index < OFFER_INDEX_BASE  # offer POs have no schedule slot to estimate from
        ):
            # Skip, without building its header, a PO whose last possible event came before
            # the window: most candidates of a wide scan back MAX_EVENT_LAG days.
            latest = (index + 1) * ctx.world.interval + MAX_LAG_BY_KIND[kind_of(ctx.world, index)]
            if latest <= filters["updated"][0]:
                return False
        head = ctx.po_header(index)
        if filters["vendor"] and head.vendor_code != filters["vendor"]:
            return False
        if not _in(filters["created"], head.created):
            return False
        if filters["updated"] is not None and not _in(
            filters["updated"], _timeline(ctx, index, now).last_updated
        ):
            return False
        if filters["shipTo"] and _ship_to(ctx, index, now) != filters["shipTo"]:
            return False
        if not (filters["status"] or filters["confirmation"] or filters["receive"]):
            return True
        snap = _snapshot(ctx, index, now)
        closed = snap.timeline.state == "Closed"
        if filters["status"] and filters["status"] != ("CLOSED" if closed else "OPEN"):
            return False
        if filters["confirmation"] and all(
            line.confirmation != filters["confirmation"] for line in snap.lines
        ):
            return False
        return not filters["receive"] or any(
            line.receive_status == filters["receive"] for line in snap.lines
        )

    # POs acknowledged here may have been updated just now, however old they are.
    acknowledged = set(ctx.state.acknowledged_indices()) if filters["updated"] else set()
    if filters["po"]:
        index = known_index(ctx, filters["po"], now)
        bounds, extra = (0, 0), [] if index is None else [index]
    else:
        windows = [(filters["created"], 0), (filters["updated"], MAX_EVENT_LAG)]
        bounds = _bounds(ctx, windows, now)
        extra = [i for i in acknowledged if _exists(ctx, i, now)] + ctx.state.offer_indices()
    return _page(
        ctx,
        "getPurchaseOrdersStatus",
        state,
        _candidates(bounds, extra, filters["sort"] == "DESC", cursor),
        matches,
        lambda index: _served_status(ctx, index, now),
        "ordersStatus",
    )


def _shipped_here(ctx: Context, index: int) -> bool:
    """Whether an ASN accepted here ships PO `index` (its receipts then follow the ASN)."""
    return bool(ctx.state.shipments()) and has_shipments(ctx, ctx.po_header(index).number)


def _ship_to(ctx: Context, index: int, now: float) -> str:
    head = ctx.po_header(index)
    return head.destination(head.changed_at is not None and head.changed_at <= now).party_id
