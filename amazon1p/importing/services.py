"""Sync runs, the requesting side: queue a run (one active run per shop and kind; one of
them runs at a time, the others wait their turn) and hand it to a worker, hand runs that lost
their worker back, give up on runs no worker will finish.

What a worker does with a run is in sync.py (`sync_run_execute`); the Celery task that calls
it is in tasks.py. The imports go one way, services → tasks → sync: this module enqueues the
task it imports, and neither the task module nor sync.py imports this one, so no import
circle (and no import inside a function) is needed to enqueue.
"""

import logging
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from amazon1p.importing.models import (
    ACTIVE_SYNC_STATUSES,
    WAITING_SYNC_STATUSES,
    SyncKind,
    SyncRun,
    SyncStatus,
)
from amazon1p.importing.sync import (
    AUTO_RESUME_DELAYS,
    RETRYING,
    STALE_AFTER,
    sync_run_fail,
    sync_run_is_stale,
)
from amazon1p.importing.tasks import amazon1p_sync_run_task
from amazon1p.spapi.types import HISTORY_LIMIT
from core.errors import ShopCtrlError
from shops.audit import audit_record
from shops.models import AlertKind, AlertSeverity, Shop
from shops.services import alert_raise

logger = logging.getLogger(__name__)

# A queued run no worker claimed for this long will not be: it fails, with the reason, so the
# kind's one active run is free again. (Retries wait at most ten minutes between attempts.)
QUEUE_GIVE_UP = timedelta(hours=1)
MAX_ATTEMPTS = 12  # claims (start, retries, takeovers) before a run is given up as hopeless
# A waiting run no worker looked at for this long lost its task (a broker restart, or the
# worker that was to hand it over died): send it again. A run waiting behind another run of
# its shop is looked at every 30 s (tasks.WAIT_POLL), so this is not it.
QUEUED_RESEND_AFTER = timedelta(minutes=3)
# The same for a run back in the queue after a transient error: its retry waits up to ten
# minutes (the task's backoff), which resending must not cut short.
RETRY_RESEND_AFTER = timedelta(minutes=12)


def sync_run_request(
    *,
    shop: Shop,
    kind: SyncKind,
    range_from: datetime | None = None,
    range_to: datetime | None = None,
    actor: User | None = None,
    enqueue: bool = True,
) -> tuple[SyncRun, bool]:
    """Queue a sync run for the shop, or return the active run of that kind: (run, created).

    A run of another kind running meanwhile does not drop the request: the new run waits
    and starts when that one ends (see tasks.amazon1p_sync_run_task). Side effects: a
    queued SyncRun, an audit entry when a person asked, (with `enqueue`) the run's Celery
    task after commit, and the shop's other active runs that lost their worker handed to
    one again, or failed with the reason when none will finish them (`sync_run_give_up`).
    Idempotency: the partial unique constraint `one_active_sync_run_per_shop_kind` — two
    requests at once give one run.
    """
    if kind == SyncKind.HISTORICAL:
        if range_from is None or range_to is None or range_from >= range_to:
            raise ShopCtrlError("A historical import needs a date range (from before to).")
        floor = timezone.now() - HISTORY_LIMIT
        if range_to <= floor:
            raise ShopCtrlError("Amazon keeps six months of purchase orders; choose a later range.")
        range_from = max(range_from, floor)
    # The shop's runs that lost their worker: failed when no worker will finish them (they
    # must not hold the queue), handed to a worker again otherwise.
    for stuck in SyncRun.objects.filter(shop=shop, status__in=ACTIVE_SYNC_STATUSES).exclude(
        kind=kind
    ):
        if not sync_run_give_up(stuck) and enqueue and sync_run_needs_worker(stuck):
            _enqueue(stuck.pk)
    try:
        with transaction.atomic():
            run = SyncRun.objects.create(
                shop=shop, kind=kind, range_from=range_from, range_to=range_to, created_by=actor
            )
            if actor is not None:
                audit_record(
                    actor=actor,
                    shop=shop,
                    action="amazon1p.sync.request",
                    target=run,
                    changes={"kind": [None, str(kind)]},
                )
            if kind == SyncKind.HISTORICAL:
                _resumes_replaced_by(run)
    except IntegrityError:
        active = SyncRun.objects.filter(
            shop=shop, kind=kind, status__in=ACTIVE_SYNC_STATUSES
        ).first()
        if active is not None and sync_run_give_up(active):
            active = None  # it failed with its reason; the kind's active slot is free
        if active is None:  # it finished in between: ask again
            return sync_run_request(
                shop=shop,
                kind=kind,
                range_from=range_from,
                range_to=range_to,
                actor=actor,
                enqueue=enqueue,
            )
        if enqueue and sync_run_needs_worker(active):
            _enqueue(active.pk)
        return active, False
    if enqueue:
        _enqueue(run.pk)
    return run, True


def _resumes_replaced_by(run: SyncRun) -> None:
    """A new historical import covers what is left of failed ones waiting for an automatic
    resume: they no longer resume (it would read the same days twice), and say why."""
    assert run.range_from is not None and run.range_to is not None
    left_from = Coalesce("resume_from", "range_from")
    SyncRun.objects.filter(
        shop_id=run.shop_id,
        kind=SyncKind.HISTORICAL,
        status=SyncStatus.FAILED,
        resume_due_at__isnull=False,
        range_to__lte=run.range_to,
    ).alias(left_from=left_from).filter(left_from__gte=run.range_from).update(
        resume_due_at=None,
        transient_failure=False,
        error=Concat(
            "error",
            Value(f" Not resumed: historical import #{run.pk} covers the rest of its range."),
        ),
    )


def _enqueue(run_id: int) -> None:
    transaction.on_commit(lambda: _hand_to_worker(run_id))


def _hand_to_worker(run_id: int) -> None:
    """Send the run's task; a run the broker would not take fails with the reason, rather
    than waiting in the queue for a task that does not exist."""
    try:
        amazon1p_sync_run_task.delay(run_id)
    except Exception as exc:  # the broker's errors vary by transport; all mean "not queued"
        logger.exception("Sync run %s could not be queued", run_id)
        run = SyncRun.objects.select_related("shop").get(pk=run_id)
        reason = f"The run could not be handed to a worker ({type(exc).__name__}: {exc})."
        # unless a worker has claimed it meanwhile; a broker that comes back is an outage over
        sync_run_fail(run, reason, expect=run.status, transient=True)


def sync_run_needs_worker(run: SyncRun) -> bool:
    """Whether an active run should be handed to a worker again: its worker died (stale
    heartbeat), or no worker looked at it for too long while it waited (the message was
    lost). A duplicate hand-over is harmless: only one claim succeeds."""
    if run.status not in WAITING_SYNC_STATUSES:
        return sync_run_is_stale(run)
    waited_since = run.heartbeat_at or run.created_at
    resend_after = RETRY_RESEND_AFTER if run.error.startswith(RETRYING) else QUEUED_RESEND_AFTER
    return waited_since < timezone.now() - resend_after


def sync_run_give_up(run: SyncRun) -> bool:
    """Fail an active run that no worker will finish; True when it did (compare-and-set).

    A queued run nobody claimed within QUEUE_GIVE_UP (no worker consumes the queue, or its
    task was lost and never handed over again), or a run claimed MAX_ATTEMPTS times without
    finishing (its workers keep dying), ends Failed with the reason and an alert.
    """
    now = timezone.now()
    waited_since = run.heartbeat_at or run.created_at
    claims = run.attempts - run.attempts_at_resume  # since its last resume
    if run.status in WAITING_SYNC_STATUSES and waited_since < now - QUEUE_GIVE_UP:
        minutes = int((now - waited_since).total_seconds() // 60)
        reason = (
            f"No worker took the run in {minutes} minutes: is a Celery worker running and "
            "reading the default queue?"
        )
        transient = True  # workers or the broker down: over when they are back
    elif sync_run_needs_worker(run) and claims >= MAX_ATTEMPTS:
        last = run.error.removeprefix(RETRYING) if run.error.startswith(RETRYING) else ""
        reason = f"Given up after {claims} attempts: " + (
            f"the last ended with {last}"
            if last
            else "its worker stopped each time (killed, out of memory or restarted) before "
            "the run could finish."
        )
        # Amazon's transient error is an outage; a run that kills its worker each time
        # would kill it again.
        transient = bool(last)
    else:
        return False
    failed = sync_run_fail(run, reason, expect=run.status, transient=transient)
    return failed.status == SyncStatus.FAILED


def sync_runs_watchdog() -> tuple[int, int]:
    """Beat job: hand every active run that lost its worker back to one, and give up on
    the runs no worker will finish (see `sync_run_give_up`). Returns (handed over, failed).

    Idempotency: a duplicate hand-over is harmless (only one claim succeeds), and giving up
    is a compare-and-set on the run's status.
    """
    handed = failed = 0
    for run in SyncRun.objects.filter(status__in=ACTIVE_SYNC_STATUSES).select_related("shop"):
        if sync_run_give_up(run):
            failed += 1
        elif sync_run_needs_worker(run):
            if sync_run_is_stale(run):
                _interrupted(run)
            _hand_to_worker(run.pk)
            handed += 1
    return handed, failed


def sync_runs_resume_due() -> int:
    """Beat job (with the watchdog, whatever the shops' sync switches): resume each failed
    historical import whose automatic resume is due (`SyncRun.resume_due_at`, set when it
    failed for a temporary reason). Returns how many were resumed.

    A run whose shop meanwhile has another active historical import waits for that one to
    end (one active run per shop and kind). Idempotency: `sync_run_resume` is a
    compare-and-set, so two watchdogs at once resume a run once.
    """
    now = timezone.now()
    other_active = SyncRun.objects.filter(
        shop_id=OuterRef("shop_id"), kind=SyncKind.HISTORICAL, status__in=ACTIVE_SYNC_STATUSES
    )
    due = (
        SyncRun.objects.filter(
            status=SyncStatus.FAILED, kind=SyncKind.HISTORICAL, resume_due_at__lte=now
        )
        .exclude(Exists(other_active))
        .select_related("shop")
        .order_by("resume_due_at", "pk")
    )
    return sum(sync_run_resume(run) for run in due)


def sync_run_resume(run: SyncRun, *, actor: User | None = None) -> bool:
    """Put a historical import that failed for a temporary reason back in the queue, to go
    on from `resume_from` (its committed cursor); True when it did.

    Without `actor` this is the automatic resume that is due (it counts one of
    AUTO_RESUME_DELAYS); with one, a person's (the Operations page: audited on the shop, and
    the automatic resumes start over). The error says that it resumed, and the run keeps
    its claim number: the next claim is a new fencing token, so a worker of an earlier claim
    still writes nothing. Side effects: the run's task after commit. Idempotency: a
    compare-and-set on (status Failed, claim, due time); False when another watchdog or
    person resumed it first, or the shop has another historical import active.
    """
    automatic = actor is None
    runs = SyncRun.objects.filter(
        pk=run.pk, status=SyncStatus.FAILED, kind=SyncKind.HISTORICAL, attempts=run.attempts
    )
    if automatic:
        if run.resume_due_at is None:
            return False
        number = run.auto_resumes + 1
        runs = runs.filter(resume_due_at=run.resume_due_at, auto_resumes=run.auto_resumes)
        said = f"Resumed automatically ({number} of {len(AUTO_RESUME_DELAYS)})"
    else:
        number = 0
        runs = runs.filter(transient_failure=True)
        said = f"Resumed by {actor}"
    start = run.resume_from or run.range_from
    where = f" from {start:%Y-%m-%d %H:%M} UTC" if start else ""
    try:
        with transaction.atomic():
            resumed = runs.update(
                status=SyncStatus.QUEUED,
                finished_at=None,
                error=f"{said}{where} after: {run.error}",
                transient_failure=False,
                resume_due_at=None,
                auto_resumes=number,
                attempts_at_resume=F("attempts"),
                heartbeat_at=timezone.now(),  # waiting for a worker from now on
            )
            if resumed and actor is not None:
                audit_record(
                    actor=actor,
                    shop=run.shop,
                    action="amazon1p.sync.resume",
                    target=run,
                    changes={"status": [SyncStatus.FAILED, SyncStatus.QUEUED]},
                )
    except IntegrityError:  # another historical import of the shop became active meanwhile
        return False
    if not resumed:
        return False
    logger.info("Sync run %s: %s%s", run.pk, said, where)
    _enqueue(run.pk)
    return True


def _interrupted(run: SyncRun) -> None:
    """A running run whose worker stopped beating: Interrupted, with the reason and one
    alert, for a worker to resume (compare-and-set on its claim, so a run that beat meanwhile
    is left alone). Its heartbeat becomes the time it was found: from then on it waits for
    a worker like a queued run (`sync_run_needs_worker`)."""
    beat = run.heartbeat_at
    where = f"from {run.resume_from:%Y-%m-%d %H:%M} UTC" if run.resume_from else "from its start"
    reason = (
        f"Interrupted: its worker stopped (last heartbeat {beat:%H:%M:%S} UTC); resuming {where}."
    )
    with transaction.atomic():
        requeued = SyncRun.objects.filter(
            pk=run.pk,
            status=SyncStatus.RUNNING,
            attempts=run.attempts,
            heartbeat_at__lt=timezone.now() - STALE_AFTER,
        ).update(status=SyncStatus.INTERRUPTED, error=reason, heartbeat_at=timezone.now())
        if requeued:
            alert_raise(
                shop=run.shop,
                severity=AlertSeverity.WARNING,
                message=f"Amazon 1P {run.get_kind_display().lower()} run #{run.pk}: {reason}",
                kind=AlertKind.SYNC,
            )
