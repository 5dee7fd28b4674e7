"""Sync runs, the worker side: claim, windows, heartbeat, resume, finish (requests: services.py).

A run walks [resume_from, range_to) in windows of at most one day (Amazon allows seven). Each
page is upserted and counted in one transaction; after a window's last page the run's
`resume_from` and the shop's SyncCursor move to the window's end, in one transaction. A run
killed halfway is left `running` with an old heartbeat; the next claim takes it over and goes
on from `resume_from` — re-reading at most one window, which the upsert's content hash makes
harmless. No Amazon call is made inside a transaction.
"""

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from amazon1p.connection.credentials import spapi_connection
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import (
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
    store_numbers,
    store_pages,
)
from amazon1p.importing.reconcile import missing_window, updated_numbers
from amazon1p.importing.summary import run_summary_finish
from amazon1p.spapi.client import VendorClient
from amazon1p.spapi.endpoints import EndpointKind
from amazon1p.spapi.errors import AmazonTransientError
from amazon1p.spapi.factory import vendor_client_for
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
STALE_AFTER = timedelta(minutes=10)  # a running run without a heartbeat this long is dead


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


def windows(start: datetime, end: datetime, size: timedelta = WINDOW) -> Iterator[tuple]:
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


def _claim(run_id: int) -> SyncRun | None:
    """Compare-and-set: queued → running, or take over a stale running run."""
    now = timezone.now()
    runs = SyncRun.objects.filter(pk=run_id)
    claimed = runs.filter(status=SyncStatus.QUEUED).update(
        status=SyncStatus.RUNNING,
        heartbeat_at=now,
        started_at=Coalesce("started_at", Value(now)),
        attempts=F("attempts") + 1,
    ) or runs.filter(status=SyncStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER).update(
        heartbeat_at=now, attempts=F("attempts") + 1
    )
    return SyncRun.objects.select_related("shop").get(pk=run_id) if claimed else None


def _plan(run: SyncRun, connection: AmazonConnection) -> None:
    """Fix the run's range on its first claim (a resumed run keeps it)."""
    if run.range_to is not None and run.resume_from is not None:
        return
    now = timezone.now().replace(microsecond=0)
    start = run.range_from
    if start is None:
        if run.kind == SyncKind.MISSING:
            start = now - MISSING_LOOKBACK
        else:
            cursor = SyncCursor.objects.filter(shop=run.shop, kind=run.kind).first()
            start = cursor.position - NEW_OVERLAP if cursor else now - FIRST_LOOKBACK[run.kind]
    if connection.ignore_orders_before and run.kind != SyncKind.HISTORICAL:
        start = max(start, connection.ignore_orders_before)
    end = min(run.range_to or now, now)
    start = min(start, end)
    total = sum(1 for _ in windows(start, end))
    SyncRun.objects.filter(pk=run.pk).update(
        range_from=start, range_to=end, resume_from=start, windows_total=total
    )
    run.range_from, run.range_to, run.resume_from, run.windows_total = start, end, start, total


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
) -> None:
    """Each window from `resume_from`: fetch (outside transactions), store, then commit it.

    A repeated nextToken from Amazon's production hosts stops the run before the window is
    committed (so the next run reads it again); from a sandbox it ends the paging only.
    """
    forecast = ChangeForecast()  # a re-sync's next window starts unchanged, as the last ended
    ignore_before = connection.ignore_orders_before
    if run.kind == SyncKind.HISTORICAL:
        ignore_before = None
    for start, end in windows(run.resume_from, run.range_to):
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
            statuses = None
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
    """Claim and do one sync run; None when another worker has it or it is finished.

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
    try:
        connection = AmazonConnection.objects.select_related("shop").get(shop=run.shop)
        if not connection.enabled:
            return sync_run_fail(run, "The Amazon 1P connection is off.")
        _plan(run, connection)
        ctx = mapping_context(connection)
        active = client or vendor_client_for(spapi_connection(connection))
        recorder = RunRecorder(run, active)
        try:
            _run_windows(run, active, ctx, connection, recorder, on_progress)
        finally:
            recorder.flush()  # what this attempt spent counts, however it ended
            if client is None:
                active.close()
    except AmazonTransientError as exc:
        if final:
            return sync_run_fail(run, f"Amazon stayed unavailable, no retry is left: {exc.message}")
        SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(
            status=SyncStatus.QUEUED, error=f"Retrying: {exc.message}", heartbeat_at=timezone.now()
        )
        raise
    except AmazonConnection.DoesNotExist:
        return sync_run_fail(run, "The shop has no Amazon 1P connection.")
    except Exception as exc:  # the run is marked failed and reported; the worker goes on
        logger.exception("Sync run %s failed", run.pk)
        return sync_run_fail(run, getattr(exc, "message", None) or str(exc) or type(exc).__name__)
    repeated = active.stats.repeated_token
    run.refresh_from_db()
    SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(
        status=SyncStatus.PARTIAL if run.failed_count else SyncStatus.SUCCEEDED,
        finished_at=timezone.now(),
        error="",
        note=_sandbox_note(connection, repeated) if repeated else "",
    )
    run_summary_finish(run)
    from bulkbuy.tasks import purchase_orders_link_soon  # bulkbuy builds on amazon1p

    purchase_orders_link_soon(shop_id=run.shop_id)
    run.refresh_from_db()
    return run


def sync_run_fail(run: SyncRun, message: str, *, expect: str = SyncStatus.RUNNING) -> SyncRun:
    """Compare-and-set `expect` → Failed with the reason, and alert the shop (once)."""
    with transaction.atomic():
        failed = SyncRun.objects.filter(pk=run.pk, status=expect).update(
            status=SyncStatus.FAILED, finished_at=timezone.now(), error=message
        )
        if failed:
            alert_raise(
                shop=run.shop,
                severity=AlertSeverity.ERROR,
                message=(
                    f"Amazon 1P {run.get_kind_display().lower()} run #{run.pk} failed: {message}"
                ),
                kind=AlertKind.SYNC,
            )
    run.refresh_from_db()
    return run
