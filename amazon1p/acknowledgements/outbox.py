"""Sending acknowledgements exactly once, and following them to Amazon's verdict.

States (Acknowledgement.status): PENDING → SENDING → SUBMITTED → SUCCESS | ERROR.

- `acknowledgement_send` claims a PENDING row (→ SENDING, committed) before the POST and
  stores the transaction id after it (→ SUBMITTED). A worker killed in between leaves the row
  SENDING with no transaction id: Amazon may or may not have it.
- Such a row is *recovered*, never blindly re-sent: Amazon's PO status lists the dates of the
  acknowledgements it applied, and ours carries a unique `acknowledgement_date`. Found → done.
  Not found → sent again only after `RESEND_AFTER`, well past Amazon's processing time.
- `acknowledgement_check` polls getTransaction until Success or Failure. A transaction still
  Processing after the shop's `ack_stuck_after_minutes` is cross-checked against the PO
  status, and alerts instead of waiting forever.
- The watchdog (beat) hands every in-flight row that nobody touched lately back to these
  functions, so a lost task or a dead worker delays an acknowledgement but never loses it.

Every function here may run twice, concurrently, or be killed halfway.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from amazon1p.acknowledgements.deadlines import deadline_clear
from amazon1p.acknowledgements.models import Acknowledgement, AckStatus
from amazon1p.connection.credentials import spapi_connection
from amazon1p.connection.models import AmazonConnection, AmazonStatus, StatusMapping
from amazon1p.spapi.client import VendorClient
from amazon1p.spapi.errors import (
    AmazonRejectedError,
    AmazonThrottledError,
    AmazonTransientError,
)
from amazon1p.spapi.factory import vendor_client_for
from core.outbox import Outcome, amazon_errors, idle_messages, transaction_errors
from orders.models import Order
from shops.models import AlertKind, AlertSeverity
from shops.services import alert_raise

logger = logging.getLogger(__name__)

# How long a send of unknown fate waits for Amazon's PO status before it is sent again.
RESEND_AFTER = timedelta(minutes=10)


def _client(ack: Acknowledgement) -> VendorClient:
    connection = AmazonConnection.objects.get(shop_id=ack.shop_id)
    return vendor_client_for(spapi_connection(connection))


def _finish(ack: Acknowledgement, status: str, errors: list[dict[str, str]] | None = None):
    """Close the row (if still open) and tell the order: status mapping, or an alert."""
    with transaction.atomic():
        ack = Acknowledgement.objects.select_for_update().get(pk=ack.pk)
        if not ack.in_flight:
            return ack
        ack.status = status
        ack.errors = errors or ack.errors
        ack.finished_at = timezone.now()
        ack.save(update_fields=["status", "errors", "finished_at"])
        order = Order.objects.select_for_update().get(pk=ack.order_id)
        if status == AckStatus.SUCCESS:
            _apply_status(ack, order)
            deadline_clear(ack.purchase_order_id)
        else:
            alert_raise(
                shop=order.shop,
                severity=AlertSeverity.ERROR,
                message=f"Amazon did not take the acknowledgement of PO {order.number}: "
                + "; ".join(e["message"] for e in ack.errors),
                target=order,
                kind=AlertKind.ACKNOWLEDGEMENT,
            )
    return ack


def _apply_status(ack: Acknowledgement, order: Order) -> None:
    """The order's main and payment status after a successful acknowledgement, from the
    shop's mapping (a rejected PO is, e.g., Cancelled and Fully credited, not Unpaid)."""
    lines = list(ack.lines.all())
    if all(line.committed == 0 for line in lines):
        amazon_status = AmazonStatus.REJECTED
    elif any(line.rejected for line in lines):
        amazon_status = AmazonStatus.PARTIALLY_ACCEPTED
    else:
        amazon_status = AmazonStatus.ACKNOWLEDGED
    mapping = StatusMapping.objects.filter(
        connection__shop_id=order.shop_id, amazon_status=amazon_status
    ).first()
    if mapping is None:
        return
    changed = []
    for field in ("main_status", "payment_status"):
        mapped = getattr(mapping, f"{field}_id")
        if mapped and mapped != getattr(order, f"{field}_id"):
            setattr(order, f"{field}_id", mapped)
            changed.append(field)
    if changed:
        order.save(update_fields=[*changed, "updated_at"])


def applied_at_amazon(client: VendorClient, ack: Acknowledgement) -> bool:
    """Whether Amazon's PO status shows this acknowledgement (by its date) as applied."""
    po = ack.purchase_order
    created = po.purchase_order_date or ack.created_at
    pages = client.list_purchase_order_statuses(
        purchase_order_number=po.po_number,
        # A window around the PO's date: without one, Amazon looks at the last 7 days only.
        created_after=created - timedelta(hours=1),
        created_before=created + timedelta(hours=1),
    )
    return any(
        ack.acknowledgement_date in item.acknowledgement_dates
        for page in pages
        for status in page.statuses
        for item in status.items
    )


def acknowledgement_send(ack_id: int, client: VendorClient | None = None) -> str:
    """Send a PENDING acknowledgement once; recover a SENDING one (see the module doc)."""
    with transaction.atomic():
        ack = (
            Acknowledgement.objects.select_for_update(skip_locked=True)
            .select_related("purchase_order")
            .filter(pk=ack_id)
            .first()
        )
        if ack is None:  # another worker holds it right now; the watchdog looks again later
            return Outcome.DONE
        if ack.status == AckStatus.SENDING:
            recovering = True
        elif ack.status == AckStatus.PENDING:
            recovering = False
            ack.status = AckStatus.SENDING
            ack.send_started_at = timezone.now()
            ack.attempts += 1
            ack.save(update_fields=["status", "send_started_at", "attempts"])
        else:
            return Outcome.DONE
    client = client or _client(ack)
    if recovering:
        return _recover(ack, client)
    try:
        transaction_id = client.submit_acknowledgement_bodies([ack.payload])
    except AmazonThrottledError:  # 429: Amazon took nothing; try again later
        Acknowledgement.objects.filter(pk=ack.pk, status=AckStatus.SENDING).update(
            status=AckStatus.PENDING
        )
        return Outcome.SEND_LATER
    except AmazonRejectedError as exc:  # refused outright: nothing was accepted
        _finish(ack, AckStatus.ERROR, amazon_errors(exc))
        return Outcome.DONE
    except AmazonTransientError as exc:  # timeout or 5xx: maybe taken, maybe not
        logger.warning("Acknowledgement %s: fate unknown after %s", ack.pk, exc)
        return Outcome.CHECK_LATER
    _submitted(ack, transaction_id)
    return Outcome.CHECK_LATER


def _submitted(ack: Acknowledgement, transaction_id: str) -> None:
    now = timezone.now()
    Acknowledgement.objects.filter(pk=ack.pk, status=AckStatus.SENDING).update(
        status=AckStatus.SUBMITTED, transaction_id=transaction_id, submitted_at=now
    )


def _recover(ack: Acknowledgement, client: VendorClient) -> str:
    """A SENDING row with no transaction id: did Amazon get it?"""
    if applied_at_amazon(client, ack):
        logger.info("Acknowledgement %s found applied at Amazon after a lost answer", ack.pk)
        Acknowledgement.objects.filter(pk=ack.pk).update(checked_at=timezone.now())
        _finish(ack, AckStatus.SUCCESS)
        return Outcome.DONE
    started = ack.send_started_at or ack.created_at
    if timezone.now() - started < RESEND_AFTER:
        Acknowledgement.objects.filter(pk=ack.pk).update(checked_at=timezone.now())
        return Outcome.CHECK_LATER
    # Long past Amazon's processing time and not applied: it never arrived (or failed).
    Acknowledgement.objects.filter(pk=ack.pk, status=AckStatus.SENDING).update(
        status=AckStatus.PENDING
    )
    return Outcome.SEND_LATER


def acknowledgement_check(ack_id: int, client: VendorClient | None = None) -> str:
    """Follow a SUBMITTED acknowledgement to Success or Failure (or recover a SENDING one)."""
    ack = Acknowledgement.objects.select_related("purchase_order").filter(pk=ack_id).first()
    if ack is None or not ack.in_flight:
        return Outcome.DONE
    if ack.status == AckStatus.PENDING:
        return Outcome.SEND_LATER
    client = client or _client(ack)
    if ack.status == AckStatus.SENDING:
        return acknowledgement_send(ack.pk, client)
    status = client.get_transaction(ack.transaction_id)
    Acknowledgement.objects.filter(pk=ack.pk).update(checked_at=timezone.now())
    if status.status == "Success":
        _finish(ack, AckStatus.SUCCESS)
        return Outcome.DONE
    if status.status == "Failure":
        _finish(ack, AckStatus.ERROR, transaction_errors(status))
        return Outcome.DONE
    _watch_processing(ack, client)
    return Outcome.CHECK_LATER


def _watch_processing(ack: Acknowledgement, client: VendorClient) -> None:
    """Still Processing: past the shop's limit, cross-check the PO status, then alert once."""
    connection = AmazonConnection.objects.get(shop_id=ack.shop_id)
    limit = timedelta(minutes=connection.ack_stuck_after_minutes)
    if ack.submitted_at is None or timezone.now() - ack.submitted_at < limit:
        return
    if applied_at_amazon(client, ack):
        # Amazon applied it; its transaction API lags. The PO status is the truth that matters.
        _finish(ack, AckStatus.SUCCESS)
        return
    with transaction.atomic():
        locked = Acknowledgement.objects.select_for_update().get(pk=ack.pk)
        if any(e.get("code") == "STUCK" for e in locked.errors):
            return  # alerted already
        locked.errors = [
            *locked.errors,
            {
                "code": "STUCK",
                "message": f"Transaction {ack.transaction_id} still Processing after "
                f"{connection.ack_stuck_after_minutes} minutes and not applied to the PO.",
                "details": "",
            },
        ]
        locked.save(update_fields=["errors"])
        alert_raise(
            shop=connection.shop,
            severity=AlertSeverity.WARNING,
            message=f"The acknowledgement of PO {ack.purchase_order.po_number} is stuck at "
            f"Amazon (transaction {ack.transaction_id} still Processing).",
            target=Order(pk=ack.order_id),
            kind=AlertKind.ACKNOWLEDGEMENT,
        )


def acknowledgements_idle(idle_seconds: int) -> list[Acknowledgement]:
    """In-flight acknowledgements no task has touched for `idle_seconds` (the watchdog's)."""
    return idle_messages(Acknowledgement, idle_seconds)
