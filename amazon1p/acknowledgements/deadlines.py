"""Amazon's acknowledgement deadlines (docs/amazon.md, "Acknowledgements"): a new PO within
24 hours of its date, a change within 48 hours of Amazon's change; alerts before and after
(grouped per shop).

`due_after_import` is pure and decides the deadline from what Amazon sent; the importer calls
it for new and changed POs, a successful acknowledgement clears it, and the beat task
`deadlines_alert` warns once before it passes and once when it has passed.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from amazon1p.connection.models import AmazonConnection
from amazon1p.importing.models import AmazonPurchaseOrder
from amazon1p.spapi.types import PurchaseOrder
from orders.models import Order
from shops.alerts import AlertGroup, alerts_group_raise
from shops.models import AlertKind, AlertSeverity

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
    """Warn about deadlines within the shop's warning window and about passed ones, each PO
    once per level.

    The POs of one level go into one grouped alert per shop ("acknowledge soon", "past the
    deadline") with a count and a link, not an alert each. Safe to run twice or
    concurrently: rows are claimed with SKIP LOCKED, and an order joins a group once.
    Returns how many POs were alerted.
    """
    now = now or timezone.now()
    sent = 0
    for connection in AmazonConnection.objects.filter(enabled=True).select_related("shop"):
        horizon = now + timedelta(hours=connection.ack_warn_hours)
        with transaction.atomic():
            owed = list(
                AmazonPurchaseOrder.objects.select_for_update(skip_locked=True)
                .filter(shop=connection.shop, ack_due_at__lte=horizon, order__isnull=False)
                .exclude(ack_alerted=ALERTED_OVERDUE)
                .values_list("pk", "order_id", "ack_due_at", "ack_alerted")
            )
            levels: dict[int, list[tuple[int, int]]] = {ALERTED_SOON: [], ALERTED_OVERDUE: []}
            for pk, order_id, due, alerted in owed:
                if due is None:  # filtered on ack_due_at__lte: never
                    continue
                level = ALERTED_OVERDUE if due <= now else ALERTED_SOON
                if alerted < level:
                    levels[level].append((pk, order_id))
            groups = []
            for level, pos in levels.items():
                if not pos:
                    continue
                AmazonPurchaseOrder.objects.filter(pk__in=[pk for pk, _ in pos]).update(
                    ack_alerted=level
                )
                groups.append(_deadline_group(level, [order_id for _, order_id in pos]))
                sent += len(pos)
            alerts_group_raise(shop=connection.shop, groups=groups)
    return sent


def _deadline_group(level: int, order_ids: list[int]) -> AlertGroup:
    if level == ALERTED_OVERDUE:
        return AlertGroup(
            "ack-overdue",
            AlertKind.ACKNOWLEDGEMENT,
            AlertSeverity.ERROR,
            "Acknowledgement to Amazon overdue: these POs are past their deadline.",
            Order,
            order_ids,
        )
    return AlertGroup(
        "ack-due-soon",
        AlertKind.ACKNOWLEDGEMENT,
        AlertSeverity.WARNING,
        "Acknowledge to Amazon soon: these POs reach their deadline within the warning window.",
        Order,
        order_ids,
    )
