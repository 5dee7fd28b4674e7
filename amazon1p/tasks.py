"""Amazon 1P beat jobs: the fan-out over shops and the watchdogs the beat schedule names
(shopctrl/celery.py). The tasks that run one sync run or send one acknowledgement (with the
acknowledgement watchdog) sit beside their services (amazon1p/importing/tasks.py,
amazon1p/acknowledgements/tasks.py); they are imported here so that the worker, which
autodiscovers only `<app>.tasks`, registers them.
"""

from celery import shared_task
from django.conf import settings
from django.db.models import Q

from amazon1p.acknowledgements.deadlines import deadlines_alert
from amazon1p.acknowledgements.rules import RULE_STOCK_AND_COST, acknowledge_by_rule
from amazon1p.acknowledgements.tasks import (
    acknowledgement_check_task,
    acknowledgement_send_task,
    acknowledgements_watchdog_task,
)
from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import SyncKind
from amazon1p.importing.services import (
    sync_run_request,
    sync_runs_resume_due,
    sync_runs_watchdog,
)
from amazon1p.importing.tasks import amazon1p_sync_run_task
from amazon1p.picks.inbox import pick_inbox_process

__all__ = [  # the sub-domains' tasks, registered with the worker through this module
    "acknowledgement_check_task",
    "acknowledgement_send_task",
    "acknowledgements_watchdog_task",
    "amazon1p_sync_run_task",
]

_SWITCH = {
    SyncKind.NEW: Q(import_new_orders=True),
    SyncKind.CHANGED: Q(import_new_orders=True),
    SyncKind.MISSING: Q(import_missing_orders=True),
}


@shared_task(name="amazon1p.tasks.amazon1p_sync_watchdog")
def amazon1p_sync_watchdog_task() -> dict[str, int]:
    """Beat job: re-queue active runs that lost their worker or task, fail the ones no
    worker will finish (see `sync_runs_watchdog`), and resume the historical imports that
    failed for a temporary reason once their automatic resume is due
    (`sync_runs_resume_due`). Safe to overlap with itself."""
    handed_over, failed = sync_runs_watchdog()
    resumed = sync_runs_resume_due()
    return {"handed_over": handed_over, "failed": failed, "resumed": resumed}


@shared_task(name="amazon1p.tasks.amazon1p_sync_due")
def amazon1p_sync_due_task(kind: str) -> int:
    """Beat job: request a `kind` run for every shop whose Amazon sync is on.

    Side effects: queued SyncRuns and their tasks (after commit). Safe to overlap with itself:
    the partial unique constraint allows one active run per shop and kind; a stale one is
    re-enqueued (taken over). Returns how many runs were created.
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


# --- acknowledgements (see amazon1p/acknowledgements/) -------------------------------------


@shared_task(name="amazon1p.tasks.acknowledgement_deadlines")
def acknowledgement_deadlines_task() -> int:
    """Beat job: alert on acknowledgements due soon or overdue (each once per PO)."""
    return deadlines_alert()


@shared_task(name="amazon1p.tasks.acknowledgements_by_rule")
def acknowledgements_by_rule_task() -> int:
    """Beat job: apply each shop's automatic-acknowledgement rule to its New POs. Safe to
    overlap with itself (see `acknowledge_by_rule`). Returns how many POs it acknowledged."""
    connections = AmazonConnection.objects.filter(
        enabled=True, acknowledge_orders=True, auto_acknowledge_rule=RULE_STOCK_AND_COST
    )
    return sum(len(acknowledge_by_rule(connection).acknowledged) for connection in connections)


# --- pick results (see amazon1p/picks/) ----------------------------------------------------


@shared_task(name="amazon1p.tasks.pick_inbox_process")
def pick_inbox_process_task() -> int:
    """Beat job: import the pick files in PICK_INBOX_DIR/inbox (see `pick_inbox_process`).

    Idempotency key: each file's content (applied once per shop); overlapping passes skip.
    Returns how many files were handled.
    """
    return len(pick_inbox_process(directory=settings.PICK_INBOX_DIR))
