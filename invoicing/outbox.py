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

from amazon1p.connection.outbox import AmazonOutbox
from amazon1p.spapi.client import VendorClient
from core.outbox import OutboxStatus, idle_messages
from invoicing.models import Invoice, InvoiceStatus, InvoiceSubmission
from shops.models import AlertSeverity
from shops.services import alert_raise

logger = logging.getLogger(__name__)

RESEND_AFTER = timedelta(minutes=10)
# The answer to an invoice whose number Amazon already holds.
DUPLICATE_CODE = "DUPLICATE_INVOICE_ID"


class InvoiceOutbox(AmazonOutbox[InvoiceSubmission]):
    model = InvoiceSubmission
    noun = "Invoice"
    log = logger
    related = ("invoice",)
    resend_after = RESEND_AFTER

    def shop_id(self, row: InvoiceSubmission) -> int:
        return row.invoice.shop_id

    def post(self, client: VendorClient, row: InvoiceSubmission) -> str:
        return client.submit_invoice_bodies([row.payload])

    def finished(self, row: InvoiceSubmission, status: str) -> None:
        """Close the invoice with the row: accepted, or refused with Amazon's reasons and an
        alert, so staff can fix it and send it again."""
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

    def arrived_before(self, row: InvoiceSubmission, errors: list[dict[str, str]]) -> bool:
        """A resent invoice refused as a duplicate: the first send arrived. (Amazon judged
        the resend against a state that already holds the first, so other findings —
        quantities "already invoiced" — are echoes of the same fact.)"""
        return row.attempts > 1 and any(e.get("code") == DUPLICATE_CODE for e in errors)


OUTBOX = InvoiceOutbox()


def invoice_send(submission_id: int, client: VendorClient | None = None) -> str:
    """Send a PENDING invoice once; a SENDING one is recovered (see the module doc).
    Idempotency key: the submission row (claimed under a row lock)."""
    return OUTBOX.send(submission_id, client)


def invoice_check(submission_id: int, client: VendorClient | None = None) -> str:
    """Follow a SUBMITTED invoice to Success or Failure (and recover a SENDING one)."""
    return OUTBOX.check(submission_id, client)


def invoices_idle(idle_seconds: int) -> list[InvoiceSubmission]:
    """In-flight invoices no task has touched for `idle_seconds` (the watchdog's)."""
    return idle_messages(InvoiceSubmission, idle_seconds)
