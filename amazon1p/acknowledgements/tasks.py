"""Acknowledgement tasks: send one acknowledgement from the outbox and follow it to Amazon's
verdict (see outbox.py).

services.acknowledgement_request enqueues the send task it imports from here; this module
imports only outbox.py (the worker side), never services.py, so the imports go one way
(services → tasks → outbox). The beat jobs (watchdog, deadlines, rules) are in
amazon1p/tasks.py.
"""

from celery import shared_task

from amazon1p.acknowledgements.outbox import acknowledgement_check, acknowledgement_send
from amazon1p.spapi.errors import AmazonTransientError
from core.outbox import follow_up


def _follow_up(ack_id: int, outcome: str, polls: int = 0) -> None:
    follow_up(
        ack_id,
        outcome,
        polls,
        check_task=acknowledgement_check_task,
        send_task=acknowledgement_send_task,
    )


# The names are the ones these tasks had in amazon1p/tasks.py (queued messages, logs, ops).
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
