"""Amazon 1P sync tasks: beat fans out over enabled shops; each run is its own task."""

from celery import shared_task
from django.db.models import Q

from amazon1p.importing.sync import sync_run_execute, sync_run_request
from amazon1p.models import AmazonConnection, SyncKind
from amazon1p.spapi.errors import AmazonTransientError

_SWITCH = {
    SyncKind.NEW: Q(import_new_orders=True),
    SyncKind.CHANGED: Q(import_new_orders=True),
    SyncKind.MISSING: Q(import_missing_orders=True),
}


@shared_task(
    name="amazon1p.tasks.amazon1p_sync_run",
    bind=True,
    autoretry_for=(AmazonTransientError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def amazon1p_sync_run_task(self, run_id: int) -> str:
    """Do one sync run (see `sync_run_execute`).

    Idempotency key: the run id; a duplicate delivery finds the run claimed or finished and
    does nothing. Transient Amazon errors put the run back in the queue and retry with backoff.
    """
    run = sync_run_execute(run_id=run_id)
    return run.status if run else "skipped"


@shared_task(name="amazon1p.tasks.amazon1p_sync_due")
def amazon1p_sync_due_task(kind: str) -> int:
    """Beat job: request a `kind` run for every shop whose Amazon sync is on.

    Side effects: queued SyncRuns and their tasks (after commit). Safe to overlap with itself:
    the partial unique constraint allows one active run per shop; a stale one is re-enqueued
    (taken over). Returns how many runs were created.
    """
    sync_kind = SyncKind(kind)
    connections = AmazonConnection.objects.filter(
        _SWITCH[sync_kind], enabled=True, orders_integration=True
    ).select_related("shop")
    created = 0
    for connection in connections:
        _, new = sync_run_request(shop=connection.shop, kind=sync_kind)
        created += new
    return created
