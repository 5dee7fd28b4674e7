"""Import tasks: one sync run per task (enqueued by services.sync_run_request; the beat
fan-out that requests runs is in amazon1p/tasks.py)."""

import logging
from datetime import timedelta

from celery import Task, shared_task

from amazon1p.importing.models import WAITING_SYNC_STATUSES, SyncRun
from amazon1p.importing.sync import (
    sync_run_execute,
    sync_run_next_waiting,
    sync_run_waiting_behind,
)
from amazon1p.spapi.errors import AmazonTransientError

logger = logging.getLogger(__name__)

# A run waiting behind another run of its shop asks again this often. The run that ends
# hands the next one over at once; asking again covers a worker that died before it could
# (and each ask stamps the run, so the watchdog does not take it for lost).
WAIT_POLL = timedelta(seconds=30)


@shared_task(
    name="amazon1p.tasks.amazon1p_sync_run",  # the name it had in amazon1p/tasks.py (logs, ops)
    bind=True,
    autoretry_for=(AmazonTransientError,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def amazon1p_sync_run_task(self: Task[[int], str], run_id: int) -> str:
    """Do one sync run (see `sync_run_execute`), then hand the shop's next waiting run to a
    worker.

    Idempotency key: the run id; a duplicate delivery finds the run claimed or finished and
    does nothing. A run that waits behind another run of its shop asks again in WAIT_POLL.
    Transient Amazon errors put the run back in the queue and retry with backoff (meanwhile
    the shop's next waiting run goes); on the last retry they fail the run with the reason
    instead, so no run waits in the queue for a task that will not come.
    """
    final = self.max_retries is not None and self.request.retries >= self.max_retries
    try:
        run = sync_run_execute(run_id=run_id, final=final)
    except AmazonTransientError:
        _hand_over_next(run_id)
        raise
    if run is None:
        waiting = SyncRun.objects.filter(pk=run_id, status__in=WAITING_SYNC_STATUSES).first()
        if waiting is None:
            return "skipped"  # another worker has it, or it is finished
        # Its claim found another run of the shop running; if that one ended meanwhile,
        # ask again at once.
        if self.app.conf.task_always_eager:
            return "waiting"  # no queue to wait in: the ending run's hand-over starts it
        behind = sync_run_waiting_behind(waiting)
        self.apply_async((run_id,), countdown=WAIT_POLL.total_seconds() if behind else 0)
        return "waiting"
    _hand_over_next(run_id)
    return run.status


def _hand_over_next(run_id: int) -> None:
    """Start the shop's next waiting run now that this one no longer runs. Not handing it
    loses nothing: it asks again by itself (WAIT_POLL), and the watchdog resends it."""
    shop_id = SyncRun.objects.filter(pk=run_id).values_list("shop_id", flat=True).first()
    following = sync_run_next_waiting(shop_id) if shop_id is not None else None
    if following is None:
        return
    try:
        amazon1p_sync_run_task.delay(following.pk)
    except Exception:  # the broker's errors vary by transport; the run asks again by itself
        logger.exception("Sync run %s could not be handed over", following.pk)
