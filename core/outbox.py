"""What the two Amazon outboxes (acknowledgements, ASNs) share.

A message to Amazon is written as a row before anything is sent (`OutboxMessage`), then
moves PENDING → SENDING → SUBMITTED → SUCCESS | ERROR. Each outbox decides how to send
and how to recover a send of unknown fate; the states, the bookkeeping fields, the task
follow-up with backoff and the watchdog query are the same, and live here.
"""

from datetime import timedelta
from typing import TypeVar

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxStatus(models.TextChoices):
    """Where a message is on its way to Amazon (pages show it)."""

    PENDING = "pending", "In progress"  # written, not sent yet
    SENDING = "sending", "In progress"  # being sent; whether Amazon got it is not known yet
    SUBMITTED = "submitted", "Submitted"  # Amazon gave a transaction id; awaiting its outcome
    SUCCESS = "success", "Success"
    ERROR = "error", "Error"


IN_FLIGHT = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.SUBMITTED)


class OutboxMessage(models.Model):
    """The outbox row's own fields. `payload` is exactly what goes to Amazon, fixed when the
    row is written, so a retry sends the same thing."""

    status = models.CharField(
        max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    payload = models.JSONField()
    transaction_id = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # Amazon's, or ours: [{code, message}]
    created_at = models.DateTimeField(auto_now_add=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def in_flight(self) -> bool:
        return self.status in IN_FLIGHT


class Outcome:
    """What a step asks of its caller (the task): nothing more, or another look later."""

    DONE = "done"
    CHECK_LATER = "check_later"
    SEND_LATER = "send_later"


M = TypeVar("M", bound=OutboxMessage)

CHECK_DELAYS = (2, 5, 10, 20, 40, 60, 120, 300)  # seconds between transaction polls
SEND_AGAIN_AFTER = 30  # seconds, after a 429


def follow_up(message_id: int, outcome: str, polls: int, *, check_task, send_task) -> None:
    """Queue the next step a send or check asked for, polling with backoff."""
    if outcome == Outcome.CHECK_LATER:
        delay = CHECK_DELAYS[min(polls, len(CHECK_DELAYS) - 1)]
        check_task.apply_async((message_id, polls + 1), countdown=delay)
    elif outcome == Outcome.SEND_LATER:
        send_task.apply_async((message_id,), countdown=SEND_AGAIN_AFTER)


def watchdog_follow_up(messages, *, check_task, send_task) -> int:
    """Hand idle in-flight messages back to the tasks (a pending one is sent, any other
    checked), so a lost task or a dead worker delays a message but never loses it."""
    for message in messages:
        pending = message.status == OutboxStatus.PENDING
        outcome = Outcome.SEND_LATER if pending else Outcome.CHECK_LATER
        follow_up(message.pk, outcome, 0, check_task=check_task, send_task=send_task)
    return len(messages)


def idle_messages(model: type[M], idle_seconds: int, limit: int = 500) -> list[M]:
    """In-flight rows of `model` no task has touched for `idle_seconds` (the watchdog's)."""
    since = timezone.now() - timedelta(seconds=idle_seconds)
    touched = Q(checked_at__gte=since) | Q(send_started_at__gte=since) | Q(created_at__gte=since)
    return list(model._default_manager.filter(status__in=IN_FLIGHT).exclude(touched)[:limit])


def amazon_errors(exc: Exception) -> list[dict[str, str]]:
    """Amazon's errors of a refused call as stored on the row ({code, message, details})."""
    found = [
        {"code": e.code, "message": e.message, "details": e.details}
        for e in getattr(exc, "errors", ())
    ]
    return found or [{"code": type(exc).__name__, "message": str(exc), "details": ""}]


def transaction_errors(status) -> list[dict[str, str]]:
    """The errors of a Failure transaction status, or a plain one when Amazon gave none."""
    errors = [{"code": e.code, "message": e.message, "details": e.details} for e in status.errors]
    return errors or [{"code": "Failure", "message": "Failed.", "details": ""}]
