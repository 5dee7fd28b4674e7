"""Storing what the client fetches: pages upserted one transaction each, fetched ahead in a
thread, and the run's counters kept up to date (its heartbeat)."""

import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from amazon1p.importing.fastpaths import counters_add, counters_statement, wal_flush_skip
from amazon1p.importing.models import SyncCursor, SyncKind, SyncRun, SyncRunError
from amazon1p.importing.order_mapping import MappingContext, OrderValues
from amazon1p.importing.summary import run_summary_raise
from amazon1p.importing.upsert import (
    Digest,
    PageResult,
    PoBatch,
    map_ahead,
    page_digests,
    purchase_orders_upsert,
    stored_purchase_orders,
    unchanged_numbers,
)
from amazon1p.spapi.client import VendorClient, read_purchase_order
from amazon1p.spapi.types import (
    PurchaseOrder,
    PurchaseOrderPage,
    PurchaseOrderStatus,
    PurchaseOrderStatusPage,
)

Progress = Callable[[SyncRun], None]


class SyncRunLost(Exception):
    """This worker's claim on the run is gone: another worker took it over (this one was
    stalled past the stale limit). Whatever this worker was writing is rolled back."""

    def __init__(self, run_id: int, fence: int) -> None:
        super().__init__(f"sync run {run_id}: claim {fence} was taken over")
        self.run_id, self.fence = run_id, fence


class RunRecorder:
    """Counts a run's pages, calls and errors into its row (one UPDATE per page).

    Calls, 429s and retries are counted from the client's stats as they grow, whether or not
    a page is stored: a missing or changed run that only lists adds its calls at the end of
    each window, and an attempt that fails adds what it spent before it gives up (`flush`).
    """

    def __init__(self, run: SyncRun, client: VendorClient) -> None:
        self.run, self.client = run, client
        # The fencing token: the claim this worker holds. Every write below is conditional
        # on it, so a worker that lost the run (stalled, then taken over) writes nothing.
        self.fence = run.attempts
        stats = client.stats
        self._spent = (stats.calls, stats.throttled, stats.retries)

    # The counters grow in the database (several processes may have counted into a resumed
    # run), in one UPDATE built once (see `fastpaths.counters_statement`).
    _COUNTED = (
        "pages",
        "new_count",
        "changed_count",
        "unchanged_count",
        "failed_count",
        "api_calls",
        "throttled",
        "retries",
    )
    _ADD_COUNTS = counters_statement(SyncRun, _COUNTED, fenced_by="attempts")

    def _spent_since(self) -> tuple[int, int, int]:
        """Calls, 429s and retries since the last time they were counted in."""
        stats = self.client.stats
        now = (stats.calls, stats.throttled, stats.retries)
        spent = tuple(a - b for a, b in zip(now, self._spent, strict=True))
        self._spent = now
        return spent  # type: ignore[return-value]

    def _add(self, *counts: int) -> None:
        if not counters_add(self._ADD_COUNTS, counts, timezone.now(), self.run.pk, self.fence):
            raise SyncRunLost(self.run.pk, self.fence)

    def page(self, result: PageResult, *, pages: int = 1) -> None:
        self._add(
            pages,
            result.new,
            result.changed,
            result.unchanged,
            result.failed,
            *self._spent_since(),
        )
        if result.overdue:
            run_summary_raise(self.run, result.overdue)
        if result.errors:
            SyncRunError.objects.bulk_create(
                [SyncRunError(run=self.run, po_number=n, message=m) for n, m in result.errors]
            )

    def unreadable_statuses(self, page: PurchaseOrderStatusPage) -> None:
        """Keep the statuses Amazon sent that could not be read as the run's errors: the
        reconciliation still uses their PO numbers, but what they said is lost."""
        if page.unreadable:
            SyncRunError.objects.bulk_create(
                [
                    SyncRunError(
                        run=self.run,
                        po_number=number,
                        message=f"getPurchaseOrdersStatus answered unreadably: {error}",
                    )
                    for number, error in page.unreadable
                ]
            )

    def flush(self) -> None:
        """Count in the calls made since the last page (listings, lookups, a failed call)."""
        spent = self._spent_since()
        if any(spent):
            self._add(0, 0, 0, 0, 0, *spent)

    def window_done(self, end: datetime) -> None:
        """Commit the window: the run resumes after it and the watermark moves past it."""
        with transaction.atomic():
            self.flush()
            moved = SyncRun.objects.filter(pk=self.run.pk, attempts=self.fence).update(
                resume_from=end, windows_done=F("windows_done") + 1, heartbeat_at=timezone.now()
            )
            if not moved:  # another worker holds the run: its cursor is not ours to move
                raise SyncRunLost(self.run.pk, self.fence)
            if self.run.kind in (SyncKind.NEW, SyncKind.CHANGED):
                cursor, created = SyncCursor.objects.select_for_update().get_or_create(
                    shop=self.run.shop, kind=self.run.kind, defaults={"position": end}
                )
                if not created and cursor.position < end:
                    cursor.position = end
                    cursor.save(update_fields=["position"])
        self.run.refresh_from_db()


@contextmanager
def page_transaction() -> Iterator[None]:
    """The transaction one page is stored in.

    A page lost in a crash is read again (its window is not done), so the page need not wait
    for its WAL flush; `RunRecorder.window_done` commits durably, and in order.
    """
    with transaction.atomic():
        wal_flush_skip()
        yield


_DONE = object()


class ChangeForecast:
    """Whether the next page is likely to hold new or changed POs: the last one did.

    The prefetch thread reads (parses) and maps a page ahead only then, so a first import
    does that work while the main thread waits on PostgreSQL, and a re-sync does none of it
    for POs it will skip.
    """

    def __init__(self) -> None:
        self.expect_changes = True

    def observe(self, result: PageResult) -> None:
        self.expect_changes = bool(result.new or result.changed or result.failed)


@dataclass
class FetchedPage:
    """Pages as the prefetch thread hands them over, joined into one batch (`pages` of
    Amazon's): digested, and perhaps read and mapped."""

    page: PurchaseOrderPage
    digests: dict[str, Digest] | None  # None: left to the storing thread (see prefetched)
    mapped: dict[str, OrderValues] = field(default_factory=dict)
    pages: int = 1


# POs stored per transaction: each transaction costs round trips whatever its size, so five
# of Amazon's pages share one, and the POs in flight (two batches) stay few
# (bench/README.md, "Performance notes").
BATCH_POS = 500


def batches(
    pages: Iterator[PurchaseOrderPage], size: int = BATCH_POS
) -> Iterator[tuple[PurchaseOrderPage, int]]:
    """Amazon's pages joined into batches of at least `size` POs (the last may be smaller),
    each with how many pages it joins."""
    payloads: list[Any] = []
    joined = 0
    for page in pages:
        payloads.extend(page.payloads)
        joined += 1
        if len(payloads) >= size:
            yield PurchaseOrderPage(None, None, tuple(payloads), read=page.read), joined
            payloads, joined = [], 0
    if joined:
        yield PurchaseOrderPage(None, None, tuple(payloads), read=page.read), joined


def prefetched(
    pages: Iterator[PurchaseOrderPage],
    depth: int = 1,
    forecast: ChangeForecast | None = None,
    prepare: Callable[[PurchaseOrderPage], dict[str, OrderValues]] | None = None,
) -> Iterator[FetchedPage]:
    """Fetch the next pages in a thread while this batch is stored; join, digest, prepare.

    The fetch waits on Amazon and the store on PostgreSQL; overlapping them roughly halves a
    big import. When a change is expected the thread also does the pure Python work on the
    page (digests, reading and `prepare`: mapping), so the main thread is left little more
    than the database work, and that work runs while the main thread waits on PostgreSQL
    (psycopg releases the GIL then). Otherwise (a re-sync) the fetch is the slow side and
    the main thread, idle, digests. The thread only talks to Amazon (no
    database), and stops when the consumer does; its errors are raised here, in order.
    """
    buffer: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for page, joined in batches(pages):
                item = FetchedPage(page, None, pages=joined)
                if forecast is None or forecast.expect_changes:
                    item.digests = page_digests(page.payloads)
                    page.read_all()
                    if prepare is not None:
                        item.mapped = prepare(page)
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            buffer.put(exc)

    thread = threading.Thread(target=produce, name="spapi-prefetch", daemon=True)
    thread.start()
    try:
        with prompt_handoff():
            yield from _consume(buffer)
    finally:
        stop.set()
        thread.join(timeout=5)


def _consume(buffer: queue.Queue[Any]) -> Iterator[FetchedPage]:
    while True:
        item = buffer.get()
        if item is _DONE:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


# How long a thread that wants the GIL waits before the running one must hand it over.
HANDOFF_INTERVAL = 0.0001


@contextmanager
def prompt_handoff() -> Iterator[None]:
    """Hand the GIL over within 0.1 ms instead of Python's default 5 ms, for a while.

    The storing thread waits on PostgreSQL a dozen times a page; each time its answer comes
    while the prefetch thread computes, it waits for the GIL for up to the switch interval,
    and at the default that wait ate the overlap (bench/README.md, "Performance notes").
    The interval is process-wide, so it is put back after.
    """
    before = sys.getswitchinterval()
    sys.setswitchinterval(min(before, HANDOFF_INTERVAL))
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def store_pages(
    pages: Iterator[PurchaseOrderPage],
    *,
    run: SyncRun,
    ctx: MappingContext,
    recorder: RunRecorder,
    ignore_before: datetime | None,
    statuses: dict[str, PurchaseOrderStatus] | None = None,
    on_progress: Progress | None = None,
    forecast: ChangeForecast | None = None,
) -> set[str]:
    """Upsert each page as it arrives (the fetch happens outside the transaction).

    POs stored with the same content are counted unchanged without being read, except in a
    historical import (`statuses`), which revisits stored POs for their credit rows.
    `forecast`: a run's, carried from window to window (a new one expects changes).
    """
    seen: set[str] = set()
    forecast = forecast or ChangeForecast()
    # Products this call put in (or found in) the catalogue. A failed page ends the call, so
    # nothing in here outlives a rolled-back transaction.
    known_products: set[tuple[str, str]] = set()

    def prepare(page: PurchaseOrderPage) -> dict[str, OrderValues]:
        return map_ahead(page.orders, ctx, statuses)

    for fetched in prefetched(pages, forecast=forecast, prepare=prepare):
        page, digests = fetched.page, fetched.digests
        if digests is None:
            digests = page_digests(page.payloads)
        seen.update(page.numbers)
        with page_transaction():
            stored = stored_purchase_orders(run.shop, digests)
            unchanged = set() if statuses else unchanged_numbers(stored, digests)
            readable, malformed = page.read_except(unchanged)
            orders: list[PurchaseOrder] = [
                po
                for po in readable
                if not ignore_before
                or not po.purchase_order_date
                or po.purchase_order_date >= ignore_before
            ]
            result = PageResult()  # a page of unchanged POs: nothing to store
            if orders or malformed:
                result = purchase_orders_upsert(
                    PoBatch(
                        shop=run.shop,
                        ctx=ctx,
                        orders=orders,
                        malformed=malformed,
                        statuses=statuses,
                        digests=digests,
                        stored=stored,
                        premapped=fetched.mapped,
                        known_products=known_products,
                    )
                )
            result.unchanged += len(unchanged)
            recorder.page(result, pages=fetched.pages)
        forecast.observe(result)
        if on_progress:
            run.refresh_from_db()
            on_progress(run)
    return seen


def store_numbers(
    client: VendorClient,
    numbers: list[str],
    *,
    run: SyncRun,
    ctx: MappingContext,
    recorder: RunRecorder,
    on_progress: Progress | None = None,
) -> None:
    """Fetch POs one by one (getPurchaseOrder) and upsert them a hundred at a time."""
    for i in range(0, len(numbers), 100):
        payloads = tuple(client.get_purchase_order(n).raw for n in numbers[i : i + 100])
        page = PurchaseOrderPage(None, None, payloads, read=read_purchase_order)
        store_pages(
            iter([page]),
            run=run,
            ctx=ctx,
            recorder=recorder,
            ignore_before=None,
            on_progress=on_progress,
        )
