"""Ops writes: beat's heartbeat and the Operations page's re-queue of a stuck item.

A re-queue hands the item to the same task that the beat watchdogs use, so it is exactly
what the system does on its own, only now: the sync run's claim takes over a run whose
worker died (compare-and-set on the stale heartbeat), and an outbox row goes back through
`watchdog_follow_up` (pending → send, otherwise → check Amazon's transaction), whose send
recovers a row left `sending` without sending it twice.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from amazon1p.acknowledgements.models import Acknowledgement
from amazon1p.acknowledgements.tasks import acknowledgement_check_task, acknowledgement_send_task
from amazon1p.importing.models import SyncRun, SyncStatus
from amazon1p.importing.services import sync_run_needs_worker, sync_run_resume
from amazon1p.importing.tasks import amazon1p_sync_run_task
from asn.models import AsnSubmission
from asn.tasks import asn_check_task, asn_send_task
from core.errors import ShopCtrlError
from core.outbox import IN_FLIGHT, OutboxMessage, watchdog_follow_up
from core.tasks import delay_on_commit
from invoicing.models import InvoiceSubmission
from invoicing.tasks import invoice_check_task, invoice_send_task
from ops.models import Heartbeat
from ops.selectors import OUTBOXES
from shops.audit import audit_record
from shops.models import Shop


def heartbeat_record(*, name: str) -> datetime:
    """Store `now` as the heartbeat `name` (one row per name, upserted)."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=name, defaults={"at": now})
    return now


def sync_run_requeue(*, actor: User, run_id: int) -> SyncRun:
    """Hand a stuck sync run (worker dead, or its message lost) to a worker again, or resume
    a historical import that failed for a temporary reason now (`sync_run_resume`: from its
    cursor, whether or not automatic resumes are left).

    Side effects: the run's task after commit, an audit entry on the run's shop. Refused
    (ShopCtrlError) when the run is not stuck: a live run must not get a second worker; the
    claim would refuse it anyway, so a double click is harmless. A failed run is resumed by
    compare-and-set, so a double click resumes it once."""
    run = SyncRun.objects.select_related("shop").filter(pk=run_id).first()
    if run is None:
        raise ShopCtrlError("That sync run does not exist.")
    if run.status == SyncStatus.FAILED:
        if not sync_run_resume(run, actor=actor):
            raise ShopCtrlError(
                f"Sync run #{run.pk} cannot be resumed: only a historical import that failed "
                "for a temporary reason can, while no other historical import of its shop is "
                "active."
            )
        return run
    if not sync_run_needs_worker(run):
        raise ShopCtrlError(f"Sync run #{run.pk} is not stuck ({run.status}); nothing to do.")
    with transaction.atomic():
        audit_record(
            actor=actor,
            shop=run.shop,
            action="ops.sync_run.requeue",
            target=run,
            changes={"status": [None, run.status]},
        )
        delay_on_commit(amazon1p_sync_run_task, run.pk)
    return run


# outbox kind (ops/selectors.py OUTBOXES) → (send task, check task)
_OUTBOX_TASKS: dict[str, tuple[Any, Any]] = {
    "acknowledgement": (acknowledgement_send_task, acknowledgement_check_task),
    "asn": (asn_send_task, asn_check_task),
    "invoice": (invoice_send_task, invoice_check_task),
}


def _outbox(kind: str) -> tuple[type[OutboxMessage], Any, Any]:
    """(model, send task, check task) of an outbox kind ("acknowledgement", "asn", "invoice")."""
    if kind not in _OUTBOX_TASKS:
        raise ShopCtrlError(f"Unknown outbox {kind!r}.")
    send_task, check_task = _OUTBOX_TASKS[kind]
    return OUTBOXES[kind], send_task, check_task


def outbox_requeue(*, actor: User, kind: str, message_id: int) -> OutboxMessage:
    """Hand an in-flight outbox row (acknowledgement, ASN or invoice) back to its tasks now.

    Side effects: a send (pending) or check (sending, submitted) task after commit, an audit
    entry. Refused when the row is finished. Idempotent: the send claims the row by
    compare-and-set and a check only reads Amazon's outcome."""
    model, send_task, check_task = _outbox(kind)
    message = model._default_manager.filter(pk=message_id).first()
    if message is None:
        raise ShopCtrlError("That outbox row does not exist.")
    if message.status not in IN_FLIGHT:
        raise ShopCtrlError(f"{message} is finished; nothing to re-queue.")
    shop = _shop_of(message)
    with transaction.atomic():
        audit_record(
            actor=actor,
            shop=shop,
            action=f"ops.{kind}.requeue",
            target=message,
            changes={"status": [None, message.status]},
        )
        transaction.on_commit(
            lambda: watchdog_follow_up([message], check_task=check_task, send_task=send_task)
        )
    return message


def _shop_of(message: OutboxMessage) -> Shop:
    if isinstance(message, AsnSubmission):
        return message.group.shop
    if isinstance(message, InvoiceSubmission):
        return message.invoice.shop
    assert isinstance(message, Acknowledgement)
    return message.shop
