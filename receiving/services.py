"""Receiving sync: read Amazon's PO status API for shipped POs not fully received, store each
line's receiving status (with a row per change), move the order's status through the shop's
mapping, and raise one shortage alert per PO once the grace days have passed.

Idempotent: receipts are upserted on the order row, history rows are unique per state,
the order status and the alert are compare-and-set, and one shop syncs at a time
(a PostgreSQL advisory lock; an overlapping run skips).
"""

import gc
import logging
import math
import queue
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from amazon1p.connection.models import AmazonConnection, AmazonStatus, StatusMapping
from amazon1p.spapi.client import VendorClient
from amazon1p.spapi.types import HISTORY_LIMIT, ItemStatus, PurchaseOrderStatus, Quantity
from core.folders import pass_lock
from orders.models import Order, OrderRow
from receiving.models import LineReceipt, LineReceiptChange, OrderReceiving, ReceiveStatus
from receiving.selectors import (
    Target,
    po_created_nth,
    pos_created_between,
    receiving_targets,
    reconcile,
)
from shops.models import AlertSeverity, Shop
from shops.services import alert_raise

logger = logging.getLogger(__name__)

WINDOW = timedelta(days=7)  # Amazon: a created window may not exceed 7 days
# A few days inside Amazon's history (docs/amazon.md, "History"), so that the oldest window
# asked for is never refused at the edge.
HISTORY = HISTORY_LIMIT - timedelta(days=3)
PAGE_SIZE = 100  # getPurchaseOrdersStatus: limit 1–100
# Pages read but not stored yet, at most. Well beyond Amazon's burst: while this thread plans
# and reads what we hold (a second or two on a busy machine), the reader goes through the
# burst (9 pages at once, then 10 a second), and a full queue would stop it and make its
# calls late in the rate's schedule for good. A page read for receiving alone takes about
# 250 kB (bench/README.md, `receiving.py`).
READ_AHEAD = 32
AROUND = timedelta(hours=1)  # a single PO's created window (without one Amazon looks 7 days)


@dataclass
class ReceivingSyncResult:
    """What one receiving sync did."""

    skipped: bool = False  # another run of the shop held the lock
    targets: int = 0
    statuses: int = 0
    lines_changed: int = 0
    alerts: int = 0
    calls: int = 0
    throttled: int = 0
    # where the time went (the benchmark reports them)
    lock_seconds: float = 0.0  # taking the shop's lock
    targets_seconds: float = 0.0  # choosing the targets
    plan_seconds: float = 0.0  # lock, targets, first window: before the first call may go
    holdings_seconds: float = 0.0  # reading what we hold of the targets
    store_seconds: float = 0.0
    alert_seconds: float = 0.0


@dataclass(frozen=True)
class StatusQuery:
    """One read of the status API: a created window (listed) or a single PO."""

    start: datetime
    end: datetime
    po_number: str | None = None


def receiving_plan(shop: Shop, targets: list[Target]) -> list[StatusQuery]:
    """The cheapest reads covering `targets` (sorted by creation): see `receiving_plan_windows`."""
    return list(receiving_plan_windows(shop, targets))


def receiving_plan_windows(shop: Shop, targets: list[Target]) -> Iterator[StatusQuery]:
    """The cheapest reads covering `targets` (sorted by creation), each yielded as soon as it
    is decided, so that reading can start on the first window while the next are planned.

    Targets are grouped into created windows of at most 7 days, each starting just before
    its first target. Listing a window costs one call per 100 of the shop's POs created in
    it (we hold them all, so we know how many); asking for each target alone costs one call
    per target. Each window takes the cheaper of the two.

    A window that more targets follow ends on a whole page (its last full hundred of POs):
    the part page's POs start the next window instead, so listing N POs in several windows
    costs ⌈N/100⌉ calls, not one more per window. The last window ends at its last target.
    Each target is covered by exactly one query; a window starts where the one listed
    before it ended (Amazon's windows are (after, before]), so no PO is listed twice.
    """
    listed_to: datetime | None = None  # the end of the window listed just before
    i = 0
    while i < len(targets):
        # Amazon's window is (after, before], in whole seconds (`format_datetime`): bounds
        # kept whole make what we count the POs Amazon lists, and a window start where the
        # last one ended, with no PO left between the two.
        start = targets[i].created.replace(microsecond=0) - timedelta(seconds=1)
        if listed_to is not None:
            start = max(start, listed_to)  # no PO listed twice
        end = start + WINDOW
        count = pos_created_between(shop, start, end)
        if count > PAGE_SIZE and count % PAGE_SIZE and targets[-1].created > end:
            cut = po_created_nth(shop, start, count - count % PAGE_SIZE)
            if cut is not None and cut >= targets[i].created:
                # Amazon reads whole seconds: round up, so the cut PO stays in this window.
                end = min(end, _second_ceiling(cut))
                count = pos_created_between(shop, start, end)
        j = i
        while j < len(targets) and targets[j].created <= end:
            j += 1
        members = targets[i:j]
        if j == len(targets) and members[-1].created < end:
            # The last window: the POs Amazon created after the last target (the newest,
            # not shipped yet) need not be listed.
            end = min(end, _second_ceiling(members[-1].created))
            count = pos_created_between(shop, start, end)
        list_calls = max(1, math.ceil(count / PAGE_SIZE))
        if list_calls < len(members):
            yield StatusQuery(start, end)
            listed_to = end
        else:
            for t in members:
                yield StatusQuery(t.created - AROUND, t.created + AROUND, t.po_number)
            listed_to = None
        i = j


def _second_ceiling(moment: datetime) -> datetime:
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


_DONE = object()


class _StatusReader:
    """Reads the statuses of the queries handed to it, a page at a time, in a second thread
    while this one plans the next windows, reads what we hold and stores the pages before:
    Amazon's rate limit, not our database, sets the pace. The first query starts the thread,
    so the first call goes out as soon as the first window is planned. The reader touches no
    database; its error is raised by `pages`, after the pages read before it."""

    def __init__(self, client: VendorClient) -> None:
        self._client = client
        self._queries: queue.Queue = queue.Queue()
        self._pages: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, query: StatusQuery) -> None:
        self._queries.put(query)
        if self._thread is None:
            self._thread = threading.Thread(target=self._read, name="receiving-reader", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """No more queries: `pages` ends after the last page of the last one."""
        self._queries.put(_DONE)

    def _read(self) -> None:
        try:
            while (query := self._queries.get()) is not _DONE:
                for page in self._client.list_purchase_order_statuses(
                    created_after=query.start,
                    created_before=query.end,
                    purchase_order_number=query.po_number,
                    limit=PAGE_SIZE,
                    receiving_only=True,
                ):
                    if self._stop.is_set():
                        return
                    self._pages.put(page.statuses)
            self._pages.put(_DONE)
        except BaseException as exc:  # handed to the storing thread
            self._pages.put(exc)

    def pages(self) -> Iterator[tuple[PurchaseOrderStatus, ...]]:
        """Every page of every query, in order (after `close`)."""
        if self._thread is None:
            return
        while True:
            item = self._pages.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self) -> None:
        """End the reader (done, or this thread failed): it reads no further page."""
        self._stop.set()
        self._queries.put(_DONE)  # a reader waiting for a query
        while self._thread is not None and self._thread.is_alive():
            try:  # a reader waiting on a full queue
                self._pages.get_nowait()
            except queue.Empty:
                self._thread.join(0.05)


def _eaches(quantity: Quantity | None) -> int:
    return 0 if quantity is None else quantity.eaches


_KNOWN_STATUSES = frozenset(ReceiveStatus.values)


def _status_of(item: ItemStatus) -> str:
    status = item.receive_status
    return status if status in _KNOWN_STATUSES else ReceiveStatus.NOT_RECEIVED


# A line's receipt as stored: (receive status, received eaches, last receive date). Tuples,
# not lists: the collector stops tracking a tuple of plain values, and a sync holds one per
# line (see `_old_heap_frozen`).
ReceiptState = tuple[str, int, datetime | None]


@dataclass
class Holdings:
    """What we hold of some orders: row ids by (order, position), each row's receipt state
    and each order's completeness. Read once per sync (a steady-state page then costs no
    query at all) and kept up to date by `receipts_store`."""

    rows: dict[tuple[int, int], int]
    current: dict[int, ReceiptState]
    held: dict[int, bool]
    order_rows: dict[int, list[int]]

    def previous_outcome(self, order_id: int) -> str | None:
        if self.held.get(order_id):
            return AmazonStatus.RECEIVED
        if any(self.current.get(r, ("", 0, None))[1] for r in self.order_rows.get(order_id, ())):
            return AmazonStatus.PARTIALLY_RECEIVED
        return None


HOLDINGS_CHUNK = 5000
HOLDINGS_FETCH = 2000  # rows converted at a time, holding the GIL (see `holdings_read`)


def holdings_read(order_ids: list[int]) -> Holdings:
    """`Holdings` of `order_ids`, in two queries (per 5,000 orders elsewhere than PostgreSQL).

    It runs while the reading thread goes through Amazon's burst, so it must neither take
    long nor hold the GIL for long: on PostgreSQL the ids go as one array parameter (as
    thousands of `IN` parameters, adapting them cost more than the reads) and the rows are
    converted a few thousand at a time (bench/README.md, `receiving.py`).
    """
    if connection.vendor == "postgresql":
        return _holdings_by_array(order_ids)
    return _holdings_by_chunks(order_ids)


def _holdings_by_array(order_ids: list[int]) -> Holdings:
    found = Holdings({}, {}, {}, {})
    rows = connection.ops.quote_name(OrderRow._meta.db_table)
    receipts = connection.ops.quote_name(LineReceipt._meta.db_table)
    receivings = connection.ops.quote_name(OrderReceiving._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, r.order_id, r.position, x.receive_status, x.received_quantity,"
            f" x.last_receive_date FROM {rows} r LEFT JOIN {receipts} x ON x.row_id = r.id"
            " WHERE r.order_id = ANY(%s)",
            [order_ids],
        )
        while chunk := cursor.fetchmany(HOLDINGS_FETCH):
            _holdings_add(found, chunk)
        cursor.execute(
            f"SELECT order_id, fully_received FROM {receivings} WHERE order_id = ANY(%s)",
            [order_ids],
        )
        found.held.update(cursor.fetchall())
    return found


def _holdings_by_chunks(order_ids: list[int]) -> Holdings:
    """The same through the ORM, for other databases (the demo's SQLite)."""
    found = Holdings({}, {}, {}, {})
    for start in range(0, len(order_ids), HOLDINGS_CHUNK):
        chunk = order_ids[start : start + HOLDINGS_CHUNK]
        _holdings_add(
            found,
            OrderRow.objects.filter(order_id__in=chunk).values_list(
                "pk",
                "order_id",
                "position",
                "receipt__receive_status",
                "receipt__received_quantity",
                "receipt__last_receive_date",
            ),
        )
        found.held.update(
            OrderReceiving.objects.filter(order_id__in=chunk).values_list(
                "order_id", "fully_received"
            )
        )
    return found


def _holdings_add(found: Holdings, rows: Iterable[Sequence[Any]]) -> None:
    """Rows of (row id, order id, position, receive status, quantity, date) into `found`."""
    for row_id, order_id, position, status, quantity, date in rows:
        found.rows[(order_id, position)] = row_id
        found.order_rows.setdefault(order_id, []).append(row_id)
        if status is not None:
            found.current[row_id] = (status, quantity, date)


def receipts_store(
    *,
    shop: Shop,
    statuses: list[tuple[int, PurchaseOrderStatus]],
    now: datetime,
    holdings: Holdings | None = None,
) -> int:
    """Store the receiving status of a page of POs (order id, status) in one transaction;
    returns how many lines changed.

    Idempotency key: the order row (receipt, upserted) and the (row, status, quantity, date)
    state (history, inserted once). Unknown lines (no row at that position) are skipped with
    a log line. `holdings` (read before, see `Holdings`) spares the reads; a page where
    nothing changed then writes nothing. The order status follows the mapping when the PO's
    receiving outcome changed.
    """
    if holdings is None:
        holdings = holdings_read([order_id for order_id, _ in statuses])
    rows, current, held = holdings.rows, holdings.current, holdings.held
    outcome: dict[int, str | None] = {}
    follow: dict[int, str | None] = {}
    for order_id, status in statuses:
        outcome[order_id] = _po_outcome(status)
        if outcome[order_id] != holdings.previous_outcome(order_id):
            follow[order_id] = outcome[order_id]
    with transaction.atomic():
        changed: list[LineReceipt] = []
        for order_id, status in statuses:
            for item in status.items:
                try:
                    row_id = rows[(order_id, int(item.sequence_number))]
                except (KeyError, ValueError):
                    logger.warning("PO %s: no row for line %s", status.number, item.sequence_number)
                    continue
                receive_status = _status_of(item)
                received = _eaches(item.received_quantity)
                state = (receive_status, received, item.last_receive_date)
                if current.get(row_id) == state:
                    continue
                changed.append(
                    LineReceipt(
                        shop=shop,
                        order_id=order_id,
                        row_id=row_id,
                        receive_status=receive_status,
                        received_quantity=received,
                        last_receive_date=item.last_receive_date,
                        updated_at=now,
                    )
                )
        if changed:
            # On PostgreSQL the upsert sets each object's primary key (Django ≥ 5.0).
            LineReceipt.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["row"],
                update_fields=[
                    "receive_status",
                    "received_quantity",
                    "last_receive_date",
                    "updated_at",
                ],
            )
            LineReceiptChange.objects.bulk_create(
                [
                    LineReceiptChange(
                        receipt_id=r.pk,
                        receive_status=r.receive_status,
                        received_quantity=r.received_quantity,
                        last_receive_date=r.last_receive_date,
                        recorded_at=now,
                    )
                    for r in changed
                ],
                ignore_conflicts=True,
            )
        moved = [
            OrderReceiving(
                shop=shop,
                order_id=order_id,
                fully_received=amazon_status == AmazonStatus.RECEIVED,
                checked_at=now,
            )
            for order_id, amazon_status in outcome.items()
            if held.get(order_id) != (amazon_status == AmazonStatus.RECEIVED)
        ]
        if moved:  # new, or its completeness changed
            OrderReceiving.objects.bulk_create(
                moved,
                update_conflicts=True,
                unique_fields=["order"],
                update_fields=["fully_received", "checked_at"],
            )
        for amazon_status in (AmazonStatus.RECEIVED, AmazonStatus.PARTIALLY_RECEIVED):
            ids_now = [order_id for order_id, got in follow.items() if got == amazon_status]
            if ids_now:
                _order_status_follow(shop, ids_now, amazon_status)
    # What is stored now (after the commit): the next page and run compare with it.
    for receipt in changed:
        current[receipt.row_id] = (
            receipt.receive_status,
            receipt.received_quantity,
            receipt.last_receive_date,
        )
    for receiving in moved:
        held[receiving.order_id] = receiving.fully_received
    return len(changed)


def _po_outcome(status: PurchaseOrderStatus) -> str | None:
    """Received (all in, or Amazon closed the PO), Partially received, or None (nothing)."""
    if status.status == "CLOSED" or (
        status.items and all(_status_of(i) == ReceiveStatus.RECEIVED for i in status.items)
    ):
        return AmazonStatus.RECEIVED
    if any(_eaches(i.received_quantity) for i in status.items):
        return AmazonStatus.PARTIALLY_RECEIVED
    return None


def _order_status_follow(shop: Shop, order_ids: list[int], amazon_status: str) -> None:
    """Set the orders' main and payment status from the shop's mapping (compare-and-set:
    orders already there are not written)."""
    mapping = StatusMapping.objects.filter(
        connection__shop=shop, amazon_status=amazon_status
    ).first()
    if mapping is None or mapping.main_status_id is None:
        return
    values = {"main_status_id": mapping.main_status_id}
    if mapping.payment_status_id:
        values["payment_status_id"] = mapping.payment_status_id
    Order.objects.filter(pk__in=order_ids).exclude(**values).update(
        **values, updated_at=timezone.now()
    )


def shortage_alerts_raise(*, shop: Shop, now: datetime, grace_days: int) -> int:
    """One alert per PO with a line received short of its ASN, `grace_days` after Amazon's
    last receipt of that PO. Idempotency key: `OrderReceiving.shortage_alerted_at`
    (compare-and-set, in the alert's transaction). Returns how many alerts were raised."""
    # Each table on its own, whatever the statistics: it runs after the last page is stored,
    # so its time adds to the sync's, and a join of the orders with their receipts became a
    # probe of every order's receipts (tenths of a second; seconds without statistics).
    past_grace = set(
        LineReceipt.objects.filter(
            shop=shop, last_receive_date__lte=now - timedelta(days=grace_days)
        )
        .values_list("order_id", flat=True)
        .distinct()
    )
    if past_grace:
        past_grace -= set(
            OrderReceiving.objects.filter(shop=shop, shortage_alerted_at__isnull=False).values_list(
                "order_id", flat=True
            )
        )
    candidates = list(Order.objects.filter(shop=shop, pk__in=past_grace)) if past_grace else []
    raised = 0
    for recon in reconcile(candidates):
        last = recon.last_receive_date
        if not recon.at_risk or last is None or last > now - timedelta(days=grace_days):
            continue
        with transaction.atomic():
            claimed = OrderReceiving.objects.filter(
                order=recon.order, shortage_alerted_at__isnull=True
            ).update(shortage_alerted_at=now)
            if not claimed:
                continue
            alert_raise(
                shop=shop,
                severity=AlertSeverity.WARNING,
                message=(
                    f"PO {recon.po_number}: Amazon received {recon.at_risk} "
                    f"unit{'' if recon.at_risk == 1 else 's'} fewer than "
                    f"the ASN shipped ({recon.at_risk_value:.2f} {recon.order.currency}"
                    f"{' for the lines with a price' if recon.value_incomplete else ''} at "
                    f"risk of a shortage claim); last receipt {last:%Y-%m-%d}."
                ),
                target=recon.order,
            )
            raised += 1
    return raised


@contextmanager
def _old_heap_frozen() -> Iterator[None]:
    """Keep the garbage collector's full passes off the objects that exist already, for a
    while (`gc.freeze`); what is made meanwhile is collected as usual.

    The reader parses a page every 100 ms while this thread reads what we hold and stores
    pages; what they make starts the collector's full passes, and each one walked the whole
    heap of the process (Django, the apps) with the GIL held: 100–300 ms, a dozen times a
    sync, each stopping the reader mid-page, and a call late in Amazon's schedule is late
    for good (bench/README.md, `receiving.py`). Left alone when something else froze the
    heap (a server's freeze before forking is not undone).
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def receiving_sync(
    *, shop: Shop, client: VendorClient, now: datetime | None = None
) -> ReceivingSyncResult:
    """Read the receiving status of the shop's shipped, not fully received POs and store it.

    Side effects: LineReceipt/LineReceiptChange/OrderReceiving rows, order statuses, shortage
    alerts. No Amazon call runs inside a transaction; each PO is stored in its own. Running
    it twice, or after a failure halfway, gives the same rows. Raises AmazonTransientError
    (retry) after the client's own retries; what was stored before stays.
    """
    now = now or timezone.now()
    result = ReceivingSyncResult()
    started = time.perf_counter()
    with pass_lock(f"receiving-sync-{shop.pk}") as got, _old_heap_frozen():
        if not got:
            return ReceivingSyncResult(skipped=True)
        began = time.perf_counter()
        result.lock_seconds = began - started
        targets = receiving_targets(shop, oldest=now - HISTORY)
        result.targets_seconds = time.perf_counter() - began
        result.targets = len(targets)
        wanted = {t.po_number: t.order_id for t in targets}
        calls, throttled = client.stats.calls, client.stats.throttled
        reader = _StatusReader(client)
        try:
            for n, query in enumerate(receiving_plan_windows(shop, targets)):
                reader.add(query)  # the first starts the reading
                if n == 0:
                    result.plan_seconds = time.perf_counter() - started
            reader.close()
            began = time.perf_counter()
            holdings = holdings_read([t.order_id for t in targets])  # meanwhile
            result.holdings_seconds = time.perf_counter() - began
            for page in reader.pages():
                found = [(wanted[s.number], s) for s in page if s.number in wanted]
                if found:
                    began = time.perf_counter()
                    result.statuses += len(found)
                    result.lines_changed += receipts_store(
                        shop=shop, statuses=found, now=now, holdings=holdings
                    )
                    result.store_seconds += time.perf_counter() - began
        finally:
            reader.stop()
            result.calls = client.stats.calls - calls
            result.throttled = client.stats.throttled - throttled
        grace = (
            AmazonConnection.objects.filter(shop=shop)
            .values_list("shortage_grace_days", flat=True)
            .first()
        )
        began = time.perf_counter()
        result.alerts = shortage_alerts_raise(
            shop=shop, now=now, grace_days=7 if grace is None else grace
        )
        result.alert_seconds = time.perf_counter() - began
    return result


def receiving_shops() -> QuerySet[Shop]:
    """Shops whose Amazon sync is on and that send ASNs."""
    return Shop.objects.filter(
        amazon_connection__enabled=True, amazon_connection__export_shipments=True
    )
