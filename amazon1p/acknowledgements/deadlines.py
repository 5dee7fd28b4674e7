"""Amazon's acknowledgement deadlines (PRODUCT.md §4): a new PO within 24 hours of its date,
a change within 48 hours of Amazon's change; alerts before and after.

`due_after_import` is pure and decides the deadline from what Amazon sent; the importer calls
it for new and changed POs, a successful acknowledgement clears it, and the beat task
`deadlines_alert` warns once before it passes and once when it has passed.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from amazon1p.models import AmazonConnection, AmazonPurchaseOrder
from amazon1p.spapi.types import PurchaseOrder
from orders.models import Order
from shops.models import AlertSeverity
from shops.services import alert_raise

NEW_PO_WINDOW = timedelta(hours=24)
CHANGE_WINDOW = timedelta(hours=48)
ALERTED_SOON, ALERTED_OVERDUE = 1, 2


def due_after_import(
    po: PurchaseOrder, current_due: datetime | None, previous_change: datetime | None
) -> datetime | None:
    """The deadline once `po` is stored; `current_due` and `previous_change` as stored before
    (None for a new PO)."""
    if po.state == "Closed":
        return None
    if po.changed_date and po.changed_date != previous_change:
        return po.changed_date + CHANGE_WINDOW  # a change Amazon wants confirmed
    if po.state == "New" and po.purchase_order_date:
        return current_due or po.purchase_order_date + NEW_PO_WINDOW
    return current_due


def deadline_clear(purchase_order_id: int) -> None:
    """A successful acknowledgement: nothing is owed any more."""
    AmazonPurchaseOrder.objects.filter(pk=purchase_order_id).update(ack_due_at=None, ack_alerted=0)


def deadlines_alert(now: datetime | None = None) -> int:
    """Warn about deadlines within the shop's warning window and about passed ones, each once.

    Safe to run twice or concurrently: rows are claimed with SKIP LOCKED. Returns how many
    alerts went out.
    """
    now = now or timezone.now()
    sent = 0
    for connection in AmazonConnection.objects.filter(enabled=True).select_related("shop"):
        horizon = now + timedelta(hours=connection.ack_warn_hours)
        with transaction.atomic():
            owed = (
                AmazonPurchaseOrder.objects.select_for_update(skip_locked=True)
                .filter(shop=connection.shop, ack_due_at__lte=horizon, order__isnull=False)
                .exclude(ack_alerted=ALERTED_OVERDUE)
            )
            for po in owed:
                level = ALERTED_OVERDUE if po.ack_due_at <= now else ALERTED_SOON
                if po.ack_alerted >= level:
                    continue
                when = timezone.localtime(po.ack_due_at).strftime("%Y-%m-%d %H:%M")
                if level == ALERTED_OVERDUE:
                    message = f"PO {po.po_number}: the acknowledgement to Amazon was due {when}."
                else:
                    message = f"PO {po.po_number}: acknowledge to Amazon by {when}."
                alert_raise(
                    shop=connection.shop,
                    severity=AlertSeverity.ERROR
                    if level == ALERTED_OVERDUE
                    else AlertSeverity.WARNING,
                    message=message,
                    target=Order(pk=po.order_id),
                )
                po.ack_alerted = level
                po.save(update_fields=["ack_alerted"])
                sent += 1
    return sent
