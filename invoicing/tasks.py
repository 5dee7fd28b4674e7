"""Invoice tasks: send, poll the transaction, and the watchdog (see invoicing/outbox.py)."""

from celery import shared_task

from amazon1p.spapi.errors import AmazonTransientError
from core.outbox import follow_up, watchdog_follow_up
from invoicing.outbox import invoice_check, invoice_send, invoices_idle


def _follow_up(submission_id: int, outcome: str, polls: int = 0) -> None:
    follow_up(
        submission_id, outcome, polls, check_task=invoice_check_task, send_task=invoice_send_task
    )


@shared_task(
    name="invoicing.tasks.invoice_send",
    autoretry_for=(AmazonTransientError,),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=8,
)
def invoice_send_task(submission_id: int) -> str:
    """Send one invoice from the outbox. Idempotency key: the submission id; a duplicate
    delivery finds the row claimed, sent or finished."""
    outcome = invoice_send(submission_id)
    _follow_up(submission_id, outcome)
    return outcome


@shared_task(
    name="invoicing.tasks.invoice_check",
    autoretry_for=(AmazonTransientError,),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=8,
)
def invoice_check_task(submission_id: int, polls: int = 0) -> str:
    """Poll the invoice's transaction until Amazon decides, backing off."""
    outcome = invoice_check(submission_id)
    _follow_up(submission_id, outcome, polls)
    return outcome


@shared_task(name="invoicing.tasks.invoices_watchdog")
def invoices_watchdog_task(idle_seconds: int = 120) -> int:
    """Beat job: hand every in-flight invoice nobody looked at lately back to the tasks."""
    return watchdog_follow_up(
        invoices_idle(idle_seconds), check_task=invoice_check_task, send_task=invoice_send_task
    )
