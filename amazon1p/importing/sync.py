"""Sync runs, the worker side: claim, windows, heartbeat, resume, finish (requests: services.py).

A run walks [resume_from, range_to) in windows of at most one day (Amazon allows seven). Each
page is upserted and counted in one transaction; after a window's last page the run's
`resume_from` and the shop's SyncCursor move to the window's end, in one transaction. A run
killed halfway is left `running` with an old heartbeat; the next claim takes it over and goes
on from `resume_from` — re-reading at most one window, which the upsert's content hash makes
harmless. No Amazon call is made inside a transaction.
"""

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import redis.exceptions
from django.db import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    transaction,
)
from django.db import connection as db_connection
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from amazon1p.connection.credentials import spapi_connection
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.events import purchase_orders_imported
from amazon1p.importing.models import (
    WAITING_SYNC_STATUSES,
    SyncCursor,
    SyncKind,
    SyncRun,
    SyncStatus,
)
from amazon1p.importing.order_mapping import FcInfo, MappingContext
from amazon1p.importing.pages import (
    ChangeForecast,
    Progress,
    RunRecorder,
    SyncRunLost,
    store_numbers,
    store_pages,
)
from amazon1p.importing.reconcile import missing_window, updated_numbers
from amazon1p.importing.summary import run_summary_finish
from amazon1p.spapi.client import VendorClient
from amazon1p.spapi.endpoints import EndpointKind
from amazon1p.spapi.errors import AmazonTransientError
from amazon1p.spapi.factory import vendor_client_for
from amazon1p.spapi.types import PurchaseOrderStatus
from core.errors import ShopCtrlError
from shops.models import (
    AlertKind,
    AlertSeverity,
    OrderStatus,
    PaymentStatus,
    PaymentType,
    VatTariff,
)
from shops.services import alert_raise

logger = logging.getLogger(__name__)

WINDOW = timedelta(days=1)
NEW_OVERLAP = timedelta(hours=1)
FIRST_LOOKBACK = {SyncKind.NEW: timedelta(days=7), SyncKind.CHANGED: timedelta(days=1)}
MISSING_LOOKBACK = timedelta(days=14)
# A worker beats its run's heartbeat every HEARTBEAT_EVERY from a thread, whatever Amazon or
# PostgreSQL keep it waiting for; a running run without a beat for STALE_AFTER lost its
# worker (killed, stalled, out of memory). The watchdog runs every minute, so a dead run is
# noticed, announced and resumed within two minutes.
HEARTBEAT_EVERY = timedelta(seconds=15)
STALE_AFTER = timedelta(seconds=60)
RETRYING = "Retrying: "  # how the error of a run back in the queue after a transient error starts
# A historical import that failed for a temporary reason (see `SyncRun.transient_failure`)
# resumes from its cursor by itself after each of these delays in turn, then stays failed.
# An hour-long Amazon, Redis or PostgreSQL outage is covered by the third; together they
# span most of a day.
AUTO_RESUME_DELAYS = (
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
)
# Failures that are an outage, not a fault of the run: the network or a server went away.
# (Amazon's own are AmazonTransientError; PostgreSQL's leave the run to the watchdog.)
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def mapping_context(connection: AmazonConnection) -> MappingContext:
    """What the PO mapping needs to know about the shop (a few queries, once per run)."""
    shop = connection.shop
    return MappingContext(
        shop_currency=shop.currency,
        fcs={
            fc.code: FcInfo(
                fc.code,
                fc.name,
                fc.address_line,
                fc.postal_code,
                fc.city,
                fc.country,
                fc.ship_to_party_ref,
            )
            for fc in connection.fulfillment_centers.all()
        },
        payment_types=dict(PaymentType.objects.filter(shop=shop).values_list("code", "id")),
        statuses={
            m.amazon_status: (m.main_status_id, m.payment_status_id)
            for m in connection.status_mappings.all()
        },
        default_main_status_id=OrderStatus.objects.get(shop=shop, is_default=True).pk,
        default_payment_status_id=PaymentStatus.objects.get(shop=shop, is_default=True).pk,
        default_vat_id=VatTariff.objects.filter(shop=shop, is_default=True)
        .values_list("id", flat=True)
        .first(),
        credit_reason_rejected_id=connection.credit_reason_rejected_id,
        credit_reason_cancelled_id=connection.credit_reason_cancelled_id,
    )


def windows(
    start: datetime, end: datetime, size: timedelta = WINDOW
) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows of at most `size`."""
    cursor = start
    while cursor < end:
        upper = min(cursor + size, end)
        yield cursor, upper
        cursor = upper


def sync_run_is_stale(run: SyncRun) -> bool:
    """A running run whose worker stopped beating (killed): the next claim takes it over."""
    return (
        run.status == SyncStatus.RUNNING
        and run.heartbeat_at is not None
        and run.heartbeat_at < timezone.now() - STALE_AFTER
    )


@contextmanager
def _heartbeat(run_id: int, fence: int) -> Iterator[None]:
    """Beat the run's heartbeat from a thread while this worker holds it (claim `fence`).

    Pages also beat, but one page may wait long on Amazon's rate limit, a slow answer or a
    retry; the thread keeps a live run from looking dead. It stops with the block, or when
    the process stops: a killed or stalled worker stops beating, which is the point.
    """
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_EVERY.total_seconds()):
                try:
                    SyncRun.objects.filter(
                        pk=run_id, attempts=fence, status=SyncStatus.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError:  # PostgreSQL blinked: beat again next time
                    logger.warning("Sync run %s: heartbeat not written", run_id)
                    db_connection.close()
        finally:
            db_connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"sync-run-{run_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _claim(run_id: int) -> SyncRun | None:
    """Compare-and-set: queued or interrupted → running, or take over a stale running run.

    While another run of the shop is running the claim fails (`one_running_sync_run_per_shop`)
    and the run stays waiting, stamped (`heartbeat_at`: a worker saw it wait, so the
    watchdog neither resends nor gives it up); see `sync_run_waiting_behind`.
    """
    now = timezone.now()
    runs = SyncRun.objects.filter(pk=run_id)
    try:
        with transaction.atomic():
            claimed = runs.filter(status__in=WAITING_SYNC_STATUSES).update(
                status=SyncStatus.RUNNING,
                heartbeat_at=now,
                started_at=Coalesce("started_at", Value(now)),
                attempts=F("attempts") + 1,
            )
    except IntegrityError:  # another run of the shop is running: this one waits its turn
        runs.filter(status__in=WAITING_SYNC_STATUSES).update(heartbeat_at=now)
        return None
    claimed = claimed or runs.filter(
        status=SyncStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER
    ).update(heartbeat_at=now, attempts=F("attempts") + 1)
    return SyncRun.objects.select_related("shop").get(pk=run_id) if claimed else None


def sync_run_waiting_behind(run: SyncRun) -> SyncRun | None:
    """The shop's running run that `run` waits for, when `run` is waiting (one query)."""
    if run.status not in WAITING_SYNC_STATUSES:
        return None
    return (
        SyncRun.objects.filter(shop_id=run.shop_id, status=SyncStatus.RUNNING)
        .exclude(pk=run.pk)
        .first()
    )


def sync_run_next_waiting(shop_id: int) -> SyncRun | None:
    """The shop's run to start now that its running run ended: the oldest waiting one,
    unless a run of the shop is running, and leaving a run that waits out a retry's backoff
    to its retry."""
    if SyncRun.objects.filter(shop_id=shop_id, status=SyncStatus.RUNNING).exists():
        return None
    return (
        SyncRun.objects.filter(shop_id=shop_id, status__in=WAITING_SYNC_STATUSES)
        .exclude(error__startswith=RETRYING)
        .order_by("created_at", "pk")
        .first()
    )


def _plan(run: SyncRun, connection: AmazonConnection) -> tuple[datetime, datetime]:
    """Fix the run's range on its first claim (a resumed run keeps it); returns what is left
    of it: [resume_from, range_to)."""
    if run.range_to is not None and run.resume_from is not None:
        return run.resume_from, run.range_to
    now = timezone.now().replace(microsecond=0)
    start = run.range_from
    if start is None:
        if run.kind == SyncKind.MISSING:
            start = now - MISSING_LOOKBACK
        else:
            cursor = SyncCursor.objects.filter(shop=run.shop, kind=run.kind).first()
            start = (
                cursor.position - NEW_OVERLAP
                if cursor
                else now - FIRST_LOOKBACK[SyncKind(run.kind)]
            )
    if connection.ignore_orders_before and run.kind != SyncKind.HISTORICAL:
        start = max(start, connection.ignore_orders_before)
    end = min(run.range_to or now, now)
    start = min(start, end)
    total = sum(1 for _ in windows(start, end))
    SyncRun.objects.filter(pk=run.pk).update(
        range_from=start, range_to=end, resume_from=start, windows_total=total
    )
    run.range_from, run.range_to, run.resume_from, run.windows_total = start, end, start, total
    return start, end


class SyncRunStopped(ShopCtrlError):
    """The run cannot go on; its message is the reason the run shows."""


def _static_sandbox(connection: AmazonConnection) -> bool:
    """Whether a repeated nextToken is the endpoint's nature, not a fault: Amazon's sandbox
    (and a custom endpoint such as `vendor_simulator --sandbox`) answers fixed examples with
    the same nextToken on every page. Amazon's production hosts never should."""
    return EndpointKind(connection.endpoint_kind) != EndpointKind.PRODUCTION


def _sandbox_note(connection: AmazonConnection, repeated: str) -> str:
    where = (
        "Amazon's sandbox"
        if EndpointKind(connection.endpoint_kind) == EndpointKind.SANDBOX
        else f"The endpoint {connection.custom_base_url} answers like Amazon's static sandbox: it"
    )
    return (
        f"{where} returns fixed examples, not this vendor's purchase orders — the same "
        f"example POs whatever the dates, and the same nextToken on every page ({repeated}). "
        "The examples that came were stored; point the connection at production for real POs."
    )


def _run_windows(
    run: SyncRun,
    client: VendorClient,
    ctx: MappingContext,
    connection: AmazonConnection,
    recorder: RunRecorder,
    on_progress: Progress | None,
    left: tuple[datetime, datetime],
) -> None:
    """Each window of `left` (from `resume_from`): fetch (outside transactions), store,
    then commit it.

    A repeated nextToken from Amazon's production hosts stops the run before the window is
    committed (so the next run reads it again); from a sandbox it ends the paging only.
    """
    forecast = ChangeForecast()  # a re-sync's next window starts unchanged, as the last ended
    ignore_before = connection.ignore_orders_before
    if run.kind == SyncKind.HISTORICAL:
        ignore_before = None
    for start, end in windows(*left):
        if run.kind == SyncKind.MISSING:
            missing_window(
                client, start, end, run=run, ctx=ctx, recorder=recorder, on_progress=on_progress
            )
        elif run.kind == SyncKind.CHANGED:
            seen = store_pages(
                client.list_purchase_orders(changed_after=start, changed_before=end),
                run=run,
                ctx=ctx,
                recorder=recorder,
                ignore_before=ignore_before,
                on_progress=on_progress,
                forecast=forecast,
            )
            updated = updated_numbers(client, run.shop, start, end, recorder)
            numbers = [n for n in updated if n not in seen]
            store_numbers(
                client, numbers, run=run, ctx=ctx, recorder=recorder, on_progress=on_progress
            )
        else:
            statuses: dict[str, PurchaseOrderStatus] | None = None
            if run.kind == SyncKind.HISTORICAL:
                statuses = {}
                for page in client.list_purchase_order_statuses(
                    created_after=start, created_before=end
                ):
                    statuses.update((s.number, s) for s in page.statuses)
                    recorder.unreadable_statuses(page)
            store_pages(
                client.list_purchase_orders(created_after=start, created_before=end),
                run=run,
                ctx=ctx,
                recorder=recorder,
                ignore_before=ignore_before,
                statuses=statuses,
                on_progress=on_progress,
                forecast=forecast,
            )
        if client.stats.repeated_token and not _static_sandbox(connection):
            raise SyncRunStopped(
                f"Amazon {client.stats.repeated_token} (window {start:%Y-%m-%d %H:%M} – "
                f"{end:%Y-%m-%d %H:%M} UTC), so the window may hold POs that were not read. "
                "What came was stored; the next run reads the window again. If it keeps "
                "happening, report it to Amazon's SP-API support."
            )
        recorder.window_done(end)
        if on_progress:
            on_progress(run)


def sync_run_execute(
    *,
    run_id: int,
    client: VendorClient | None = None,
    on_progress: Progress | None = None,
    final: bool = False,
) -> SyncRun | None:
    """Claim and do one sync run; None when another worker has it, it is finished, or
    another run of the shop is running (it waits: `sync_run_waiting_behind`).

    Side effects: orders and POs (see `purchase_orders_upsert`), the run's counters (every
    call, 429 and retry of every attempt, counted even when the attempt fails) and errors,
    the shop's SyncCursor, an alert on the shop when the run fails. Idempotency key: the run
    id with a compare-and-set claim — a second call while the first is alive is a no-op;
    after a kill it resumes from `resume_from`. A transient Amazon error puts the run back
    in the queue and is raised, so the task retries it; with `final` (no retry will follow)
    the run fails with the reason instead. A run ends Succeeded, Succeeded with errors or
    Failed — never left running or queued by this call.
    """
    run = _claim(run_id)
    if run is None:
        return None
    fence = run.attempts  # this worker's claim; see RunRecorder
    try:
        with _heartbeat(run.pk, fence):
            connection = AmazonConnection.objects.select_related("shop").get(shop=run.shop)
            if not connection.enabled:
                return sync_run_fail(run, "The Amazon 1P connection is off.", fence=fence)
            left = _plan(run, connection)
            ctx = mapping_context(connection)
            active = client or vendor_client_for(spapi_connection(connection))
            recorder = RunRecorder(run, active)
            try:
                _run_windows(run, active, ctx, connection, recorder, on_progress, left)
            finally:
                with contextlib.suppress(SyncRunLost, DatabaseError):
                    recorder.flush()  # what this attempt spent counts, however it ended
                if client is None:
                    active.close()
    except SyncRunLost:
        # Stalled past STALE_AFTER, this worker's run was given to another: it stops here,
        # having written nothing since (every write is fenced by the claim).
        logger.warning("Sync run %s: taken over by another worker; this one stops", run.pk)
        return None
    except AmazonTransientError as exc:
        if final:
            return sync_run_fail(
                run,
                f"Amazon stayed unavailable, no retry is left: {exc.message}",
                fence=fence,
                transient=True,
            )
        SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING, attempts=fence).update(
            status=SyncStatus.QUEUED, error=f"{RETRYING}{exc.message}", heartbeat_at=timezone.now()
        )
        raise
    except (OperationalError, InterfaceError):
        # PostgreSQL went away: nothing can be recorded now, and the run is not wrong. It
        # stays running without a heartbeat; the watchdog resumes it from its last committed
        # window once the database is back.
        logger.exception("Sync run %s: the database went away; the watchdog resumes it", run.pk)
        raise
    except AmazonConnection.DoesNotExist:
        return sync_run_fail(run, "The shop has no Amazon 1P connection.", fence=fence)
    except Exception as exc:  # the run is marked failed and reported; the worker goes on
        logger.exception("Sync run %s failed", run.pk)
        return sync_run_fail(
            run,
            getattr(exc, "message", None) or str(exc) or type(exc).__name__,
            fence=fence,
            transient=isinstance(exc, OUTAGE_ERRORS),
        )
    repeated = active.stats.repeated_token
    run.refresh_from_db()
    finished = SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING, attempts=fence).update(
        status=SyncStatus.PARTIAL if run.failed_count else SyncStatus.SUCCEEDED,
        finished_at=timezone.now(),
        error="",
        note=_sandbox_note(connection, repeated) if repeated else "",
    )
    if not finished:  # taken over at the last moment: the other worker finishes it
        return None
    run_summary_finish(run)
    purchase_orders_imported(shop_id=run.shop_id)  # the apps above react (Bulk Buy links)
    run.refresh_from_db()
    return run


def sync_run_fail(
    run: SyncRun,
    message: str,
    *,
    expect: str = SyncStatus.RUNNING,
    fence: int | None = None,
    transient: bool = False,
) -> SyncRun:
    """Compare-and-set `expect` (and, for a worker, its claim `fence`) → Failed with the
    reason, and alert the shop (once).

    `transient`: the cause was temporary (an outage, not a refusal). A historical import
    that fails so gets its next automatic resume (`resume_due_at`, see AUTO_RESUME_DELAYS),
    which the watchdog carries out (`services.sync_runs_resume_due`); once they are spent it
    stays failed, and the alert says so.
    """
    now = timezone.now()
    with transaction.atomic():
        runs = SyncRun.objects.filter(pk=run.pk, status=expect)
        if fence is not None:
            runs = runs.filter(attempts=fence)
        failed = runs.update(
            status=SyncStatus.FAILED, finished_at=now, error=message, transient_failure=transient
        )
        if failed:
            run.refresh_from_db()
            severity, outlook = AlertSeverity.ERROR, ""
            if transient and run.kind == SyncKind.HISTORICAL:
                severity, outlook = _resume_schedule(run, now)
            alert_raise(
                shop=run.shop,
                severity=severity,
                message=(
                    f"Amazon 1P {run.get_kind_display().lower()} run #{run.pk} failed: "
                    f"{message}{outlook}"
                ),
                kind=AlertKind.SYNC,
            )
    run.refresh_from_db()
    return run


def _resume_schedule(run: SyncRun, now: datetime) -> tuple[AlertSeverity, str]:
    """Set the failed run's next automatic resume, if one is left; (the alert's severity,
    the sentence the alert adds)."""
    limit = len(AUTO_RESUME_DELAYS)
    if run.auto_resumes >= limit:
        return AlertSeverity.ERROR, (
            f" No automatic resume is left ({limit} were tried): once the cause is fixed, "
            "resume it on the Operations page or import the range again."
        )
    due = now + AUTO_RESUME_DELAYS[run.auto_resumes]
    SyncRun.objects.filter(pk=run.pk).update(resume_due_at=due)
    run.resume_due_at = due
    start = run.resume_from or run.range_from
    where = f" from {start:%Y-%m-%d %H:%M} UTC" if start else ""
    return AlertSeverity.WARNING, (
        f" It resumes by itself{where} at {due:%Y-%m-%d %H:%M} UTC (automatic resume "
        f"{run.auto_resumes + 1} of {limit})."
    )
