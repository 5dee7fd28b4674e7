"""Amazon 1P tasks: sync runs (beat fans out over enabled shops; each run is its own task)
and the acknowledgement outbox (send, poll, watchdog)."""

from celery import shared_task
from django.db.models import Q

from amazon1p.acknowledgements.deadlines import deadlines_alert
from amazon1p.acknowledgements.outbox import (
    acknowledgement_check,
    acknowledgement_send,
    acknowledgements_idle,
)
from amazon1p.acknowledgements.rules import RULE_STOCK_AND_COST, acknowledge_by_rule
from amazon1p.importing.sync import sync_run_execute, sync_run_request, sync_runs_watchdog
from amazon1p.models import AmazonConnection, SyncKind
from amazon1p.spapi.errors import AmazonTransientError
from core.outbox import follow_up, watchdog_follow_up

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
    does nothing. Transient Amazon errors put the run back in the queue and retry with
    backoff; on the last retry they fail the run with the reason instead, so no run waits
    in the queue for a task that will not come.
    """
    final = self.request.retries >= self.max_retries
    run = sync_run_execute(run_id=run_id, final=final)
    return run.status if run else "skipped"


@shared_task(name="amazon1p.tasks.amazon1p_sync_watchdog")
def amazon1p_sync_watchdog_task() -> dict[str, int]:
    """Beat job: re-queue active runs that lost their worker or task, and fail the ones no
    worker will finish (see `sync_runs_watchdog`). Safe to overlap with itself."""
    handed_over, failed = sync_runs_watchdog()
    return {"handed_over": handed_over, "failed": failed}


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


# --- acknowledgements (see amazon1p/acknowledgements/outbox.py) ------------------------------


def _follow_up(ack_id: int, outcome: str, polls: int = 0) -> None:
    follow_up(
        ack_id,
        outcome,
        polls,
        check_task=acknowledgement_check_task,
        send_task=acknowledgement_send_task,
    )


@shared_task(
    name="amazon1p.tasks.acknowledgement_send",
    autoretry_for=(AmazonTransientError,),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=8,
)
def acknowledgement_send_task(ack_id: int) -> str:
    """Send one acknowledgement from the outbox (exactly once; see `acknowledgement_send`).

    Idempotency key: the acknowledgement id. A duplicate delivery finds the row claimed,
    sent or finished; a row left SENDING by a dead worker is recovered, not re-sent.
    """
    outcome = acknowledgement_send(ack_id)
    _follow_up(ack_id, outcome)
    return outcome


@shared_task(
    name="amazon1p.tasks.acknowledgement_check",
    autoretry_for=(AmazonTransientError,),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=8,
)
def acknowledgement_check_task(ack_id: int, polls: int = 0) -> str:
    """Poll the acknowledgement's transaction until Amazon decides, backing off."""
    outcome = acknowledgement_check(ack_id)
    _follow_up(ack_id, outcome, polls)
    return outcome


@shared_task(name="amazon1p.tasks.acknowledgements_watchdog")
def acknowledgements_watchdog_task(idle_seconds: int = 120) -> int:
    """Beat job: hand every in-flight acknowledgement nobody looked at lately back to the
    tasks, so a lost task or a killed worker delays it but never loses it. Returns how many."""
    return watchdog_follow_up(
        acknowledgements_idle(idle_seconds),
        check_task=acknowledgement_check_task,
        send_task=acknowledgement_send_task,
    )


@shared_task(name="amazon1p.tasks.acknowledgement_deadlines")
def acknowledgement_deadlines_task() -> int:
    """Beat job: alert on acknowledgements due soon or overdue (each once per PO)."""
    return deadlines_alert()


# --- pick results (see amazon1p/acknowledgements/picks/) ------------------------------------


@shared_task(name="amazon1p.tasks.pick_inbox_process")
def pick_inbox_process_task() -> int:
    """Beat job: import the pick files in PICK_INBOX_DIR/inbox (see `pick_inbox_process`).

    Idempotency key: each file's content (applied once per shop); overlapping passes skip.
    Returns how many files were handled.
    """
    from django.conf import settings  # appended section: its imports stay with it

    from amazon1p.acknowledgements.picks import pick_inbox_process

    return len(pick_inbox_process(directory=settings.PICK_INBOX_DIR))


@shared_task(name="amazon1p.tasks.acknowledgements_by_rule")
def acknowledgements_by_rule_task() -> int:
    """Beat job: apply each shop's automatic-acknowledgement rule to its New POs. Safe to
    overlap with itself (see `acknowledge_by_rule`). Returns how many POs it acknowledged."""
    connections = AmazonConnection.objects.filter(
        enabled=True, acknowledge_orders=True, auto_acknowledge_rule=RULE_STOCK_AND_COST
    )
    return sum(len(acknowledge_by_rule(connection).acknowledged) for connection in connections)
