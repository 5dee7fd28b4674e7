"""Acknowledgement on time counts both of Amazon's deadlines: 24 h after a new PO's date and
48 h after Amazon changed a PO (docs/metrics.md)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from amazon1p.models import AmazonPurchaseOrder
from cockpit.models import AckState, DailyFc, OrderFact
from cockpit.rollup import ack_state, rollup_day
from tests.support.cockpit import DAY, acknowledge, amazon_order
from tests.support.web import web_client_for

H = timedelta(hours=1)
PO = DAY + 8 * H  # the PO date


@pytest.mark.parametrize(
    ("changed", "acks", "now", "state", "due"),
    [
        # New POs: 24 h.
        (None, [20], 100, AckState.ON_TIME, 24),
        (None, [30], 100, AckState.LATE, 24),
        (None, [], 30, AckState.OVERDUE, 24),
        (None, [], 10, AckState.PENDING, 24),
        # Changed after an on-time answer: the change is owed an answer within 48 h.
        (30, [20, 70], 100, AckState.ON_TIME, 78),
        (30, [20, 90], 100, AckState.LATE, 78),  # the change answered 12 h late
        (30, [20], 100, AckState.OVERDUE, 78),  # the change never answered
        (30, [20], 40, AckState.PENDING, 78),  # the change's deadline still ahead
        (30, [26, 40], 100, AckState.LATE, 78),  # the new PO answered late: late either way
        # Changed before any answer and within the 24 h: the change's 48 h replace them.
        (10, [40], 100, AckState.ON_TIME, 58),
        (10, [], 40, AckState.PENDING, 58),
        (10, [], 60, AckState.OVERDUE, 58),
        # Changed after the 24 h ran out unanswered: both deadlines count.
        (30, [40], 100, AckState.LATE, 78),
        (30, [], 50, AckState.OVERDUE, 78),
        # An answer before the change does not answer the change.
        (5, [4], 100, AckState.OVERDUE, 53),
    ],
)
def test_ack_state_counts_the_changed_po_deadline(changed, acks, now, state, due):
    got, got_due = ack_state(
        po_date=PO,
        changed_at=None if changed is None else PO + changed * H,
        ack_dates=[PO + h * H for h in acks],
        now=PO + now * H,
    )
    assert (got, got_due) == (state, PO + due * H)


def test_a_changed_po_answered_late_counts_as_late_and_drills_down(admin_user, shop, monkeypatch):
    """Both POs answered within 24 h; Amazon then changed B, and B's change was answered 60 h
    later: the day scores 1 of 2 on time, and the late point lists B."""
    now = DAY + timedelta(days=5)
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    a = amazon_order(shop, "PO-A", at=PO)
    acknowledge(a, at=PO + 2 * H, lines=[(10, 0, 0, ""), (4, 0, 0, "")])
    b = amazon_order(shop, "PO-B", at=PO)
    acknowledge(b, at=PO + 2 * H, lines=[(10, 0, 0, ""), (4, 0, 0, "")])
    AmazonPurchaseOrder.objects.filter(order=b).update(amazon_changed_at=PO + 30 * H)
    acknowledge(b, at=PO + 90 * H, lines=[(8, 0, 2, "ObsoleteProduct"), (4, 0, 0, "")])
    rollup_day(shop=shop, day=DAY.date(), now=now)

    fact = OrderFact.objects.get(order=b)
    assert fact.ack_state == AckState.LATE
    assert fact.ack_due_at == PO + 78 * H
    assert fact.ack_minutes == 120  # time to acknowledge: the PO's first answer
    day = DailyFc.objects.get(shop=shop)
    assert (day.ack_on_time, day.ack_late, day.ack_pending) == (1, 1, 0)

    client = web_client_for(admin_user)
    charts = client.get(reverse("cockpit:dashboard", args=[shop.pk])).context["chart_data"]
    ack = {c["key"]: c for c in charts}["ack"]["series"][0]
    assert ack["values"][-1] == 50.0
    grid = client.get(ack["urls"][-1]).context["page"].orders
    assert [o.number for o in grid] == ["PO-B"]
