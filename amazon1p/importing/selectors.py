"""Reads for the sync-runs page, the shop-level health badge and the order page's PO panel."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from amazon1p.importing.models import (
    WAITING_SYNC_STATUSES,
    AmazonPurchaseOrder,
    AmazonPurchaseOrderVersion,
    SyncKind,
    SyncRun,
    SyncStatus,
)
from amazon1p.importing.services import sync_run_needs_worker
from amazon1p.importing.sync import AUTO_RESUME_DELAYS, sync_run_is_stale
from orders.models import Order
from shops.models import Shop

VERSIONS_SHOWN = 20
# How long a historical import that ran out of automatic resumes stays on the Operations page.
OUTAGE_FAILURES_SHOWN = timedelta(days=7)


@dataclass(frozen=True)
class SyncHealth:
    """The badge: `css` is one of the badge classes in app.css."""

    label: str
    css: str
    run: SyncRun | None


def sync_run_list(shop: Shop) -> QuerySet[SyncRun]:
    return SyncRun.objects.filter(shop=shop).select_related("created_by")


def sync_run_running(shop: Shop) -> SyncRun | None:
    """The shop's running run, which its waiting runs wait behind (one query)."""
    return SyncRun.objects.filter(shop=shop, status=SyncStatus.RUNNING).first()


def sync_health(shop: Shop) -> SyncHealth:
    """The state of the shop's sync from its latest run (one query)."""
    run = SyncRun.objects.filter(shop=shop).first()
    if run is None:
        return SyncHealth("Never synced", "", None)
    if sync_run_is_stale(run):
        return SyncHealth("Stalled", "warning", run)
    if run.status in WAITING_SYNC_STATUSES and sync_run_needs_worker(run):
        return SyncHealth("Waiting for a worker", "warning", run)
    labels = {
        SyncStatus.QUEUED: ("Queued", "active"),
        SyncStatus.RUNNING: ("Running", "active"),
        SyncStatus.SUCCEEDED: ("Healthy", "finished"),
        SyncStatus.PARTIAL: ("Some POs failed", "warning"),
        SyncStatus.INTERRUPTED: ("Interrupted", "warning"),
        SyncStatus.FAILED: ("Failing", "error"),
    }
    label, css = labels[SyncStatus(run.status)]
    return SyncHealth(label, css, run)


def sync_run_resume_outlook(run: SyncRun) -> str:
    """What the run's page says about automatic resumes: when the next one is due, that none
    is left, or how often it resumed ("" when none of it applies)."""
    limit = len(AUTO_RESUME_DELAYS)
    start = run.resume_from or run.range_from
    where = f" from {start:%Y-%m-%d %H:%M} UTC" if start else ""
    if run.status == SyncStatus.FAILED and run.resume_due_at is not None:
        return (
            f"The failure was temporary: it resumes by itself{where} at "
            f"{run.resume_due_at:%Y-%m-%d %H:%M} UTC (automatic resume {run.auto_resumes + 1}"
            f" of {limit})."
        )
    if run.status == SyncStatus.FAILED and run.transient_failure and run.auto_resumes >= limit:
        return (
            f"No automatic resume is left: it resumed by itself {limit} times and failed each "
            "time. Once the cause is fixed, resume it on the Operations page or import the "
            "range again."
        )
    if run.auto_resumes:
        times = "once" if run.auto_resumes == 1 else f"{run.auto_resumes} times"
        return f"Resumed automatically {times} after a temporary failure."
    return ""


def sync_runs_failed_after_outage() -> QuerySet[SyncRun]:
    """Historical imports that failed for a temporary reason: waiting for their automatic
    resume (`resume_due_at`), or out of resumes and failed within OUTAGE_FAILURES_SHOWN
    (a person should resume or import them again). For the Operations page and /metrics."""
    recent = timezone.now() - OUTAGE_FAILURES_SHOWN
    return (
        SyncRun.objects.filter(
            status=SyncStatus.FAILED, kind=SyncKind.HISTORICAL, transient_failure=True
        )
        .filter(Q(resume_due_at__isnull=False) | Q(finished_at__gte=recent))
        .select_related("shop")
        .order_by("pk")
    )


@dataclass(frozen=True)
class OrderPurchaseOrder:
    """The Amazon PO an order was made from: its latest payload and its versions, newest
    first, each with what changed since the one before."""

    purchase_order: AmazonPurchaseOrder
    versions: list[AmazonPurchaseOrderVersion]
    more_versions: int


def order_purchase_order(order: Order) -> OrderPurchaseOrder | None:
    """None for orders that did not come from Amazon (two queries otherwise; one when the
    order comes with its PO, `select_related("amazon_po")`, as the order page reads it)."""
    try:
        po = order.amazon_po  # the reverse one-to-one
    except AmazonPurchaseOrder.DoesNotExist:
        return None
    versions = list(
        AmazonPurchaseOrderVersion.objects.filter(purchase_order=po)
        .defer("raw")  # the latest payload is on the PO; the diffs tell the rest
        .order_by("-version")[: VERSIONS_SHOWN + 1]
    )
    more = 0
    if len(versions) > VERSIONS_SHOWN:
        more = po.versions.count() - VERSIONS_SHOWN
        versions = versions[:VERSIONS_SHOWN]
    return OrderPurchaseOrder(po, versions, more)
