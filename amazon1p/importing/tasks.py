"""Import tasks: one sync run per task (enqueued by services.sync_run_request; the beat
fan-out that requests runs is in amazon1p/tasks.py)."""

from celery import Task, shared_task

from amazon1p.importing.sync import sync_run_execute
from amazon1p.spapi.errors import AmazonTransientError


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
    """Do one sync run (see `sync_run_execute`).

    Idempotency key: the run id; a duplicate delivery finds the run claimed or finished and
    does nothing. Transient Amazon errors put the run back in the queue and retry with
    backoff; on the last retry they fail the run with the reason instead, so no run waits
    in the queue for a task that will not come.
    """
    final = self.max_retries is not None and self.request.retries >= self.max_retries
    run = sync_run_execute(run_id=run_id, final=final)
    return run.status if run else "skipped"
