"""Sending invoices exactly once, and following them to Amazon's verdict.

States (InvoiceSubmission.status): PENDING → SENDING → SUBMITTED → SUCCESS | ERROR, as for
acknowledgements and ASNs (core/outbox.py). A worker killed between the POST and storing the
transaction id leaves the row SENDING, and Amazon may or may not hold the invoice. Amazon
refuses a second invoice with the same number, so after `RESEND_AFTER` the row is simply sent
again: if Amazon answers that the number was already submitted, the first send arrived and
the row is a success. Either way Amazon holds the invoice once.

Every function here may run twice, concurrently, or be killed halfway.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from amazon1p.connection.credentials import spapi_connection
from amazon1p.models import AmazonConnection
from amazon1p.spapi.client import VendorClient
from amazon1p.spapi.errors import (
    AmazonRejectedError,
    AmazonThrottledError,
    AmazonTransientError,
)
from amazon1p.spapi.factory import vendor_client_for
from core.outbox import (
    OutboxStatus,
    Outcome,
    amazon_errors,
    idle_messages,
    transaction_errors,
)
from invoicing.models import Invoice, InvoiceStatus, InvoiceSubmission
from shops.models import AlertSeverity
from shops.services import alert_raise

logger = logging.getLogger(__name__)

RESEND_AFTER = timedelta(minutes=10)
# The answer to an invoice whose number Amazon already holds.
DUPLICATE_CODE = "DUPLICATE_INVOICE_ID"


def _client(submission: InvoiceSubmission) -> VendorClient:
    connection = AmazonConnection.objects.get(shop_id=submission.invoice.shop_id)
    return vendor_client_for(spapi_connection(connection))


def _finish(submission: InvoiceSubmission, status: str, errors: list[dict] | None = None) -> None:
    """Close the row (if still open) and the invoice with it: accepted, or refused with
    Amazon's reasons and an alert, so staff can fix it and send it again."""
    with transaction.atomic():
        row = InvoiceSubmission.objects.select_for_update().get(pk=submission.pk)
        if not row.in_flight:
            return
        row.status = status
        row.errors = errors or row.errors
        row.finished_at = timezone.now()
        row.save(update_fields=["status", "errors", "finished_at"])
        invoice = Invoice.objects.select_for_update().get(pk=row.invoice_id)
        if status == OutboxStatus.SUCCESS:
            invoice.status = InvoiceStatus.ACCEPTED
        else:
            invoice.status = InvoiceStatus.REFUSED
            alert_raise(
                shop=invoice.shop,
                severity=AlertSeverity.ERROR,
                message=f"Amazon refused {invoice}: " + "; ".join(e["message"] for e in row.errors),
                target=invoice,
            )
        invoice.save(update_fields=["status"])


def invoice_send(submission_id: int, client: VendorClient | None = None) -> str:
    """Send a PENDING invoice once; a SENDING one is recovered (see the module doc).
    Idempotency key: the submission row (claimed under a row lock)."""
    with transaction.atomic():
        row = (
            InvoiceSubmission.objects.select_for_update(skip_locked=True)
            .select_related("invoice")
            .filter(pk=submission_id)
            .first()
        )
        if row is None:  # another worker holds it right now; the watchdog looks again later
            return Outcome.DONE
        if row.status == OutboxStatus.SENDING:
            started = row.send_started_at or row.created_at
            if timezone.now() - started < RESEND_AFTER:
                return Outcome.CHECK_LATER
            logger.info(
                "Invoice %s: no answer stored after %s, sending again", row.pk, RESEND_AFTER
            )
        elif row.status != OutboxStatus.PENDING:
            return Outcome.DONE
        row.status = OutboxStatus.SENDING
        row.send_started_at = timezone.now()
        row.attempts += 1
        row.save(update_fields=["status", "send_started_at", "attempts"])
    client = client or _client(row)
    try:
        transaction_id = client.submit_invoice_bodies([row.payload])
    except AmazonThrottledError:  # 429: Amazon took nothing
        InvoiceSubmission.objects.filter(pk=row.pk, status=OutboxStatus.SENDING).update(
            status=OutboxStatus.PENDING
        )
        return Outcome.SEND_LATER
    except AmazonRejectedError as exc:  # refused outright (4xx): nothing was taken
        _finish(row, OutboxStatus.ERROR, amazon_errors(exc))
        return Outcome.DONE
    except AmazonTransientError as exc:  # timeout or 5xx: maybe taken, maybe not
        logger.warning("Invoice %s: fate unknown after %s", row.pk, exc)
        return Outcome.CHECK_LATER
    InvoiceSubmission.objects.filter(pk=row.pk, status=OutboxStatus.SENDING).update(
        status=OutboxStatus.SUBMITTED, transaction_id=transaction_id, submitted_at=timezone.now()
    )
    return Outcome.CHECK_LATER


def _arrived_before(submission: InvoiceSubmission, errors: list[dict]) -> bool:
    """A resent invoice refused as a duplicate: the first send arrived. (Amazon judged the
    resend against a state that already holds the first, so other findings — quantities
    "already invoiced" — are echoes of the same fact.)"""
    return submission.attempts > 1 and any(e.get("code") == DUPLICATE_CODE for e in errors)


def invoice_check(submission_id: int, client: VendorClient | None = None) -> str:
    """Follow a SUBMITTED invoice to Success or Failure (and recover a SENDING one)."""
    row = InvoiceSubmission.objects.select_related("invoice").filter(pk=submission_id).first()
    if row is None or not row.in_flight:
        return Outcome.DONE
    if row.status == OutboxStatus.PENDING:
        return Outcome.SEND_LATER
    client = client or _client(row)
    if row.status == OutboxStatus.SENDING:
        return invoice_send(row.pk, client)
    status = client.get_transaction(row.transaction_id)
    InvoiceSubmission.objects.filter(pk=row.pk).update(checked_at=timezone.now())
    if status.status == "Success":
        _finish(row, OutboxStatus.SUCCESS)
        return Outcome.DONE
    if status.status == "Failure":
        errors = transaction_errors(status)
        if _arrived_before(row, errors):
            _finish(row, OutboxStatus.SUCCESS)
        else:
            _finish(row, OutboxStatus.ERROR, errors)
        return Outcome.DONE
    return Outcome.CHECK_LATER


def invoices_idle(idle_seconds: int) -> list[InvoiceSubmission]:
    """In-flight invoices no task has touched for `idle_seconds` (the watchdog's)."""
    return idle_messages(InvoiceSubmission, idle_seconds)
