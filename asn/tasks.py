"""ASN tasks: send, poll the transaction, and the watchdog (see asn/outbox.py)."""

from celery import shared_task

from amazon1p.spapi.errors import AmazonTransientError
from asn.outbox import asn_check, asn_send, asns_idle
from asn.packfile.tasks import pack_inbox_process_task  # noqa: F401 (registers the beat job)
from core.outbox import follow_up, watchdog_follow_up


def _follow_up(submission_id: int, outcome: str, polls: int = 0) -> None:
    follow_up(submission_id, outcome, polls, check_task=asn_check_task, send_task=asn_send_task)


@shared_task(
    name="asn.tasks.asn_send",
    autoretry_for=(AmazonTransientError,),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=8,
)
def asn_send_task(submission_id: int) -> str:
    """Send one ASN from the outbox. Idempotency key: the submission id; a duplicate delivery
    finds the row claimed, sent or finished."""
    outcome = asn_send(submission_id)
    _follow_up(submission_id, outcome)
    return outcome


@shared_task(
    name="asn.tasks.asn_check",
    autoretry_for=(AmazonTransientError,),
    retry_backoff=10,
    retry_backoff_max=300,
    max_retries=8,
)
def asn_check_task(submission_id: int, polls: int = 0) -> str:
    """Poll the ASN's transaction until Amazon decides, backing off."""
    outcome = asn_check(submission_id)
    _follow_up(submission_id, outcome, polls)
    return outcome


@shared_task(name="asn.tasks.asns_watchdog")
def asns_watchdog_task(idle_seconds: int = 120) -> int:
    """Beat job: hand every in-flight ASN nobody looked at lately back to the tasks."""
    return watchdog_follow_up(
        asns_idle(idle_seconds), check_task=asn_check_task, send_task=asn_send_task
    )
