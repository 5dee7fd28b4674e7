"""Reads for the sync-runs page and the shop-level health badge."""

from dataclasses import dataclass

from django.db.models import QuerySet

from amazon1p.importing.sync import sync_run_is_stale
from amazon1p.models import SyncRun, SyncStatus
from shops.models import Shop


@dataclass(frozen=True)
class SyncHealth:
    """The badge: `css` is one of the badge classes in app.css."""

    label: str
    css: str
    run: SyncRun | None


def sync_run_list(shop: Shop) -> QuerySet[SyncRun]:
    return SyncRun.objects.filter(shop=shop).select_related("created_by")


def sync_health(shop: Shop) -> SyncHealth:
    """The state of the shop's sync from its latest run (one query)."""
    run = SyncRun.objects.filter(shop=shop).first()
    if run is None:
        return SyncHealth("Never synced", "", None)
    if sync_run_is_stale(run):
        return SyncHealth("Stalled", "warning", run)
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
