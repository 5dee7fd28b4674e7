"""Acknowledgement deadlines (24 h for a new PO, 48 h for a change), their alerts, the grid's
"acknowledgement due" filter, and the outbox watchdog."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amazon1p.acknowledgements.deadlines import (
    ALERTED_OVERDUE,
    ALERTED_SOON,
    deadlines_alert,
    due_after_import,
)
from amazon1p.acknowledgements.models import Acknowledgement, AckStatus
from amazon1p.acknowledgements.outbox import acknowledgements_idle
from amazon1p.acknowledgements.services import acknowledgement_request
from amazon1p.importing.models import AmazonPurchaseOrder
from amazon1p.spapi.types import PurchaseOrder
from orders.models import Order
from orders.selectors import order_alerts
from shops.models import Alert
from tests.support.acknowledgements import deliver, fresh_order

CREATED = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CHANGED = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def _po(state: str, changed: datetime | None = None) -> PurchaseOrder:
    return PurchaseOrder(
        number="PO1", state=state, purchase_order_date=CREATED, changed_date=changed
    )


@pytest.mark.parametrize(
    ("po", "current", "previous_change", "expected"),
    [
        (_po("New"), None, None, CREATED + timedelta(hours=24)),
        (_po("New"), CREATED + timedelta(hours=5), None, CREATED + timedelta(hours=5)),
        (_po("Closed"), CREATED, None, None),
        (_po("Acknowledged"), None, None, None),
        (_po("Acknowledged", CHANGED), None, None, CHANGED + timedelta(hours=48)),
        (_po("Acknowledged", CHANGED), None, CHANGED, None),  # that change was seen already
        (_po("Closed", CHANGED), CREATED, None, None),
    ],
)
def test_due_after_import(po, current, previous_change, expected):
    assert due_after_import(po, current, previous_change) == expected


pytestmark = pytest.mark.django_db


def test_import_sets_deadlines_and_success_clears_them(
    connected, shop, admin_user, admin_client, api
):
    owed = AmazonPurchaseOrder.objects.filter(shop=shop, ack_due_at__isnull=False)
    new = AmazonPurchaseOrder.objects.filter(shop=shop, state="New")
    assert set(owed.values_list("pk", flat=True)) >= set(new.values_list("pk", flat=True)) != set()
    # A New PO owes its acknowledgement 24 hours after it was placed; one Amazon has changed
    # since owes the confirmation 48 hours after the change (which POs the simulator has
    # changed depends on the time of day the test runs).
    po = new.filter(amazon_changed_at__isnull=True).order_by("po_number").first()
    assert po.ack_due_at == po.purchase_order_date + timedelta(hours=24)
    for changed in new.filter(amazon_changed_at__isnull=False):
        assert changed.ack_due_at == changed.amazon_changed_at + timedelta(hours=48)

    order = fresh_order(shop)
    grid = reverse("orders:order-list", args=[shop.pk])

    def due_numbers() -> set[str]:
        page = admin_client.get(grid, {"ack_due": "on", "q": order.number}).context["page"]
        return {o.number for o in page.orders}

    assert due_numbers() == {order.number}
    page = admin_client.get(reverse("orders:order-detail", args=[shop.pk, order.pk]))
    assert "data-ack-due" in page.content.decode()

    assert deliver(acknowledgement_request(actor=admin_user, order=order), api).status == "success"
    assert AmazonPurchaseOrder.objects.get(order=order).ack_due_at is None
    assert due_numbers() == set()


def test_deadline_alerts_go_out_once_each(connected, shop):
    AmazonPurchaseOrder.objects.filter(shop=shop).update(ack_due_at=None)
    po = AmazonPurchaseOrder.objects.filter(shop=shop).first()
    now = timezone.now()
    po.ack_due_at = now + timedelta(hours=1)  # inside the 4-hour warning window
    po.save()

    assert deadlines_alert(now) == 1
    assert deadlines_alert(now) == 0  # run twice: no second warning
    po.refresh_from_db()
    assert po.ack_alerted == ALERTED_SOON
    assert deadlines_alert(now + timedelta(hours=2)) == 1  # now overdue
    assert deadlines_alert(now + timedelta(hours=3)) == 0
    po.refresh_from_db()
    assert po.ack_alerted == ALERTED_OVERDUE
    # Grouped per shop and level: each PO counted once in "soon" and once in "overdue".
    alerts = order_alerts(order=Order(pk=po.order_id, shop=shop)).order_by("id")
    assert [(a.severity, a.group_key, a.count) for a in alerts] == [
        ("warning", "ack-due-soon", 1),
        ("error", "ack-overdue", 1),
    ]
    assert "Acknowledge to Amazon soon" in alerts[0].message and "overdue" in alerts[1].message


def test_deadline_alerts_of_many_pos_are_one_alert_with_a_count(connected, shop):
    now = timezone.now()
    AmazonPurchaseOrder.objects.filter(shop=shop).update(ack_due_at=None, ack_alerted=0)
    late = list(AmazonPurchaseOrder.objects.filter(shop=shop, order__isnull=False)[:5])
    AmazonPurchaseOrder.objects.filter(pk__in=[p.pk for p in late]).update(
        ack_due_at=now - timedelta(days=3)
    )
    assert deadlines_alert(now) == 5
    assert deadlines_alert(now) == 0
    (alert,) = Alert.objects.filter(shop=shop, kind="acknowledgement")
    assert alert.count == 5 and alert.severity == "error"
    assert set(alert.items.values_list("object_id", flat=True)) == {p.order_id for p in late}


def test_deadline_outside_the_warning_window_is_not_alerted(connected, shop):
    AmazonPurchaseOrder.objects.filter(shop=shop).update(
        ack_due_at=timezone.now() + timedelta(hours=10)
    )
    assert deadlines_alert() == 0


def test_watchdog_picks_up_acknowledgements_nobody_touched(connected, shop, admin_user):
    stale, fresh = fresh_order(shop), fresh_order(shop)
    old = acknowledgement_request(actor=admin_user, order=stale)
    new = acknowledgement_request(actor=admin_user, order=fresh)
    Acknowledgement.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )

    idle = acknowledgements_idle(120)

    assert [a.pk for a in idle] == [old.pk]
    assert new.status == AckStatus.PENDING
