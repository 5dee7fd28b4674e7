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
from amazon1p.connection.models import AmazonConnection, AmazonStatus, StatusMapping
from amazon1p.connection.outbox import AmazonOutbox
from amazon1p.spapi.client import VendorClient
from core.outbox import Outcome, idle_messages
from orders.models import Order
from shops.models import AlertKind, AlertSeverity
from shops.services import alert_raise

logger = logging.getLogger(__name__)

# How long a send of unknown fate waits for Amazon's PO status before it is sent again.
RESEND_AFTER = timedelta(minutes=10)


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


class AcknowledgementOutbox(AmazonOutbox[Acknowledgement]):
    model = Acknowledgement
    noun = "Acknowledgement"
    log = logger
    related = ("purchase_order",)

    def shop_id(self, row: Acknowledgement) -> int:
        return row.shop_id

    def post(self, client: VendorClient, row: Acknowledgement) -> str:
        return client.submit_acknowledgement_bodies([row.payload])

    def finished(self, row: Acknowledgement, status: str) -> None:
        """Tell the order: its status mapping, or an alert."""
        order = Order.objects.select_for_update().get(pk=row.order_id)
        if status == AckStatus.SUCCESS:
            _apply_status(row, order)
            deadline_clear(row.purchase_order_id)
        else:
            alert_raise(
                shop=order.shop,
                severity=AlertSeverity.ERROR,
                message=f"Amazon did not take the acknowledgement of PO {order.number}: "
                + "; ".join(e["message"] for e in row.errors),
                target=order,
                kind=AlertKind.ACKNOWLEDGEMENT,
            )

    def recover(self, row: Acknowledgement, client: VendorClient) -> str:
        """A SENDING row with no transaction id: did Amazon get it?"""
        if applied_at_amazon(client, row):
            logger.info("Acknowledgement %s found applied at Amazon after a lost answer", row.pk)
            self.touched(row)
            self.finish(row, AckStatus.SUCCESS)
            return Outcome.DONE
        started = row.send_started_at or row.created_at
        if timezone.now() - started < RESEND_AFTER:
            self.touched(row)
            return Outcome.CHECK_LATER
        # Long past Amazon's processing time and not applied: it never arrived (or failed).
        self.back_to_pending(row)
        return Outcome.SEND_LATER

    def processing(self, row: Acknowledgement, client: VendorClient) -> None:
        """Still Processing: past the shop's limit, cross-check the PO status, then alert
        once."""
        connection = AmazonConnection.objects.get(shop_id=row.shop_id)
        limit = timedelta(minutes=connection.ack_stuck_after_minutes)
        if row.submitted_at is None or timezone.now() - row.submitted_at < limit:
            return
        if applied_at_amazon(client, row):
            # Amazon applied it; its transaction API lags. The PO status is the truth that
            # matters.
            self.finish(row, AckStatus.SUCCESS)
            return
        message = (
            f"Transaction {row.transaction_id} still Processing after "
            f"{connection.ack_stuck_after_minutes} minutes and not applied to the PO."
        )
        with transaction.atomic():
            if self.stuck_once(row, message):
                alert_raise(
                    shop=connection.shop,
                    severity=AlertSeverity.WARNING,
                    message=f"The acknowledgement of PO {row.purchase_order.po_number} is stuck "
                    f"at Amazon (transaction {row.transaction_id} still Processing).",
                    target=Order(pk=row.order_id),
                    kind=AlertKind.ACKNOWLEDGEMENT,
                )


OUTBOX = AcknowledgementOutbox()


def acknowledgement_send(ack_id: int, client: VendorClient | None = None) -> str:
    """Send a PENDING acknowledgement once; recover a SENDING one (see the module doc)."""
    return OUTBOX.send(ack_id, client)


def acknowledgement_check(ack_id: int, client: VendorClient | None = None) -> str:
    """Follow a SUBMITTED acknowledgement to Success or Failure (or recover a SENDING one)."""
    return OUTBOX.check(ack_id, client)


def acknowledgements_idle(idle_seconds: int) -> list[Acknowledgement]:
    """In-flight acknowledgements no task has touched for `idle_seconds` (the watchdog's)."""
    return idle_messages(Acknowledgement, idle_seconds)
