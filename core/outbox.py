"""What the Amazon outboxes (acknowledgements, ASNs, invoices) share.

A message to Amazon is written as a row before anything is sent (`OutboxMessage`), then
moves PENDING → SENDING → SUBMITTED → SUCCESS | ERROR. The states, the bookkeeping fields,
the steps (`Outbox`: claim and send, follow the transaction, close the row), the task trio
(`outbox_tasks`: send, check, watchdog, with follow-up and backoff) and the watchdog query
are the same, and live here. Each outbox names what differs: its row, its POST, how a send
of unknown fate is recovered, and what a finished row means for the rest of the shop.

core imports no app, so an outbox names the client and the boundary's error classes itself.
"""

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from celery import shared_task
from celery.app.task import Task
from django.db import models, transaction
from django.db.models import Q, QuerySet
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


def one_in_flight(field: str, *, name: str) -> models.UniqueConstraint:
    """An outbox row's constraint: at most one row in flight per `field` (its order, group
    shipment, invoice), so a second click is refused rather than sent twice."""
    return models.UniqueConstraint(fields=[field], condition=Q(status__in=IN_FLIGHT), name=name)


def in_flight_index(*, name: str) -> models.Index:
    """An outbox row's index over the rows in flight (the watchdog's query, the pages)."""
    return models.Index(
        fields=["status", "created_at"], condition=Q(status__in=IN_FLIGHT), name=name
    )


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


class TransactionState(Protocol):
    """What an outbox reads of Amazon's getTransaction answer."""

    @property
    def status(self) -> str: ...  # Processing, Success or Failure

    @property
    def errors(self) -> Sequence[Any]: ...  # each with code, message, details


class TransactionClient(Protocol):
    def get_transaction(self, transaction_id: str) -> TransactionState: ...


C = TypeVar("C", bound=TransactionClient)


class Outbox(ABC, Generic[M, C]):
    """The steps of one outbox: `send` (claim the row, POST it once, store the transaction
    id), `check` (follow the transaction to Success or Failure) and `finish` (close the row).

    A subclass names its row, its client, its POST and the boundary's error classes, and
    fills in the hooks where its outbox differs. Every step may run twice, concurrently, or
    be killed halfway: rows are claimed under a lock and moved by compare-and-set.
    """

    model: type[M]
    noun: ClassVar[str]  # the message in logs: "ASN"
    log: ClassVar[logging.Logger]
    related: ClassVar[tuple[str, ...]] = ()  # what `send` and `check` load with the row
    # A SENDING row (worker killed between the POST and storing the transaction id) older
    # than this is sent again, for an outbox whose second copy Amazon refuses as a
    # duplicate. None: `recover` asks Amazon whether the first one arrived.
    resend_after: ClassVar[timedelta | None] = None
    throttled: ClassVar[type[Exception]]  # 429: Amazon took nothing
    rejected: ClassVar[type[Exception]]  # refused outright: nothing was taken
    transient: ClassVar[type[Exception]]  # timeout or 5xx: maybe taken, maybe not

    # --- what each outbox names -----------------------------------------------------------

    @abstractmethod
    def client(self, row: M) -> C:
        """The client that sends the row (its shop's connection)."""

    @abstractmethod
    def post(self, client: C, row: M) -> str:
        """Send the row's payload; Amazon's transaction id."""

    def finished(self, row: M, status: str) -> None:
        """What the closed row means for the rest of the shop (inside its transaction)."""

    def recover(self, row: M, client: C) -> str:
        """A SENDING row of an outbox without `resend_after`: did Amazon get it? Only such
        an outbox is asked, and it must say how (acknowledgements read the PO's status)."""
        raise TypeError(f"{type(self).__name__} sets no resend_after and no recover()")

    def arrived_before(self, row: M, errors: list[dict[str, str]]) -> bool:
        """Whether a Failure only says that an earlier send of this row arrived."""
        return False

    def processing(self, row: M, client: C) -> None:
        """The transaction is still Processing (watch for one stuck there)."""

    # --- the steps ------------------------------------------------------------------------

    def rows(self) -> QuerySet[M]:
        return self.model._default_manager.select_related(*self.related)

    def send(self, message_id: int, client: C | None = None) -> str:
        """Send a PENDING row once; a SENDING one is sent again after `resend_after`, or
        recovered (`recover`)."""
        recovering = False
        with transaction.atomic():
            row = self.rows().select_for_update(skip_locked=True).filter(pk=message_id).first()
            if row is None:  # another worker holds it right now; the watchdog looks again later
                return Outcome.DONE
            if row.status == OutboxStatus.SENDING:
                if self.resend_after is None:
                    recovering = True
                else:
                    started = row.send_started_at or row.created_at
                    if timezone.now() - started < self.resend_after:
                        return Outcome.CHECK_LATER
                    self.log.info(
                        "%s %s: no answer stored after %s, sending again",
                        self.noun,
                        row.pk,
                        self.resend_after,
                    )
            elif row.status != OutboxStatus.PENDING:
                return Outcome.DONE
            if not recovering:
                row.status = OutboxStatus.SENDING
                row.send_started_at = timezone.now()
                row.attempts += 1
                row.save(update_fields=["status", "send_started_at", "attempts"])
        client = client or self.client(row)
        if recovering:
            return self.recover(row, client)
        return self._post(row, client)

    def _post(self, row: M, client: C) -> str:
        try:
            transaction_id = self.post(client, row)
        except self.throttled:
            self.back_to_pending(row)
            return Outcome.SEND_LATER
        except self.rejected as exc:
            self.finish(row, OutboxStatus.ERROR, amazon_errors(exc))
            return Outcome.DONE
        except self.transient as exc:
            self.log.warning("%s %s: fate unknown after %s", self.noun, row.pk, exc)
            return Outcome.CHECK_LATER
        self.submitted(row, transaction_id)
        return Outcome.CHECK_LATER

    def submitted(self, row: M, transaction_id: str) -> None:
        """Store Amazon's transaction id (a worker killed before this leaves the row SENDING)."""
        self.model._default_manager.filter(pk=row.pk, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.SUBMITTED,
            transaction_id=transaction_id,
            submitted_at=timezone.now(),
        )

    def back_to_pending(self, row: M) -> None:
        """A SENDING row Amazon surely did not take: the next send claims it again."""
        self.model._default_manager.filter(pk=row.pk, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.PENDING
        )

    def touched(self, row: M) -> None:
        """Note a look at Amazon (the watchdog leaves the row alone for a while)."""
        self.model._default_manager.filter(pk=row.pk).update(checked_at=timezone.now())

    def check(self, message_id: int, client: C | None = None) -> str:
        """Follow a SUBMITTED row to Success or Failure (and recover a SENDING one)."""
        row = self.rows().filter(pk=message_id).first()
        if row is None or not row.in_flight:
            return Outcome.DONE
        if row.status == OutboxStatus.PENDING:
            return Outcome.SEND_LATER
        client = client or self.client(row)
        if row.status == OutboxStatus.SENDING:
            return self.send(row.pk, client)
        status = client.get_transaction(row.transaction_id)
        self.touched(row)
        if status.status == "Success":
            self.finish(row, OutboxStatus.SUCCESS)
            return Outcome.DONE
        if status.status == "Failure":
            errors = transaction_errors(status)
            if self.arrived_before(row, errors):
                self.finish(row, OutboxStatus.SUCCESS)
            else:
                self.finish(row, OutboxStatus.ERROR, errors)
            return Outcome.DONE
        self.processing(row, client)
        return Outcome.CHECK_LATER

    def finish(self, row: M, status: str, errors: list[dict[str, str]] | None = None) -> M:
        """Close the row (if still open) and tell the rest of the shop (`finished`)."""
        with transaction.atomic():
            locked = self.model._default_manager.select_for_update().get(pk=row.pk)
            if not locked.in_flight:
                return locked
            locked.status = status
            locked.errors = errors or locked.errors
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "errors", "finished_at"])
            self.finished(locked, status)
        return locked

    def stuck_once(self, row: M, message: str) -> bool:
        """Note on the row that its transaction is stuck in Processing, once: True the first
        time (the caller alerts then, in the same transaction), False when noted before."""
        locked = self.model._default_manager.select_for_update().get(pk=row.pk)
        if any(e.get("code") == "STUCK" for e in locked.errors):
            return False
        locked.errors = [*locked.errors, {"code": "STUCK", "message": message, "details": ""}]
        locked.save(update_fields=["errors"])
        return True


def outbox_tasks(
    *,
    send: Callable[[int], str],
    check: Callable[[int], str],
    idle: Callable[[int], Sequence[OutboxMessage]],
    send_name: str,
    check_name: str,
    watchdog_name: str,
    retry_for: tuple[type[Exception], ...],
) -> tuple[Task[[int], str], Task[[int, int], str], Task[[int], int]]:
    """The task trio of one outbox: send a row, poll its transaction (backing off), and the
    beat watchdog that hands idle in-flight rows back to the two. The names are the tasks'
    Celery names (queued messages, the beat schedule and logs use them).

    Idempotency key of the send and check tasks: the row's id; a duplicate delivery finds
    the row claimed, sent or finished. They retry `retry_for` (transient errors), backing
    off, and then follow up on what the step asked for (`follow_up`).
    """

    @shared_task(
        name=send_name,
        autoretry_for=retry_for,
        retry_backoff=10,
        retry_backoff_max=300,
        max_retries=8,
    )
    def send_task(message_id: int) -> str:
        """Send one row from the outbox."""
        outcome = send(message_id)
        follow_up(message_id, outcome, 0, check_task=check_task, send_task=send_task)
        return outcome

    @shared_task(
        name=check_name,
        autoretry_for=retry_for,
        retry_backoff=10,
        retry_backoff_max=300,
        max_retries=8,
    )
    def check_task(message_id: int, polls: int = 0) -> str:
        """Poll the row's transaction until Amazon decides, backing off."""
        outcome = check(message_id)
        follow_up(message_id, outcome, polls, check_task=check_task, send_task=send_task)
        return outcome

    @shared_task(name=watchdog_name)
    def watchdog_task(idle_seconds: int = 120) -> int:
        """Beat job: hand every in-flight row nobody looked at lately back to the tasks, so a
        lost task or a killed worker delays a message but never loses it. Returns how many."""
        return watchdog_follow_up(idle(idle_seconds), check_task=check_task, send_task=send_task)

    return send_task, check_task, watchdog_task
