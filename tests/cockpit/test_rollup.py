"""Each cockpit metric on hand-made orders with known answers (docs/metrics.md)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from cockpit.models import AckState, AsnState, DailyFc, DailyProduct, OrderFact
from cockpit.rollup import rollup_day
from cockpit.selectors import Bucket, cockpit_fcs, cockpit_periods, cockpit_products
from cockpit.services import cockpit_rollup_recent
from tests.support.cockpit import DAY, acknowledge, amazon_order, ship

TU = "TemporarilyUnavailable"
H = timedelta(hours=1)
NOW = DAY + timedelta(hours=44)  # day 2, 20:00


@pytest.fixture
def orders(shop):
    """A: on time, one line partly rejected, ASN on time. B: acknowledged late, a line
    rejected then backordered (a second acknowledgement), ASN late and replaced. C: only a
    failed acknowledgement, deadline passed. D: not acknowledged, deadline ahead. E: the
    next day (outside the rolled-up day)."""
    a = amazon_order(shop, "PO-A", at=DAY + 8 * H)
    acknowledge(a, at=DAY + 10 * H, lines=[(10, 0, 0, ""), (2, 0, 2, TU)])
    ship(a, shipped_at=DAY + 36 * H, asn_at=DAY + 34 * H, quantities=(10, 2))
    b = amazon_order(shop, "PO-B", at=DAY + 9 * H)
    acknowledge(b, at=DAY + 36 * H, lines=[(10, 0, 0, ""), (0, 0, 4, TU)])
    acknowledge(b, at=DAY + 57 * H, lines=[(10, 0, 0, ""), (0, 4, 0, "")])
    ship(b, shipped_at=DAY + 80 * H, asn_at=DAY + 81 * H, quantities=(10, 0), replaced=True)
    c = amazon_order(shop, "PO-C", at=DAY + 10 * H, fc="MUC3", units=(5,))
    acknowledge(c, at=DAY + 11 * H, lines=[(5, 0, 0, "")], status="error")
    amazon_order(shop, "PO-D", at=DAY + 23 * H, fc="MUC3", units=(6,))
    amazon_order(shop, "PO-E", at=DAY + 30 * H)
    return {"a": a, "b": b, "c": c}


def _fact(number):
    return OrderFact.objects.get(order__number=number)


def test_acknowledgement_on_time_late_overdue_and_pending(shop, orders):
    assert rollup_day(shop=shop, day=DAY.date(), now=NOW) == 4
    assert _fact("PO-A").ack_state == AckState.ON_TIME
    assert _fact("PO-A").ack_minutes == 120
    assert _fact("PO-B").ack_state == AckState.LATE  # the first acknowledgement counts
    assert _fact("PO-B").ack_minutes == 27 * 60
    assert _fact("PO-C").ack_state == AckState.OVERDUE  # a failed acknowledgement is none
    assert _fact("PO-D").ack_state == AckState.PENDING
    lej, muc = DailyFc.objects.get(fc_code="LEJ1"), DailyFc.objects.get(fc_code="MUC3")
    assert (lej.pos, lej.ack_on_time, lej.ack_late, lej.ack_pending) == (2, 1, 1, 0)
    assert (muc.pos, muc.ack_on_time, muc.ack_late, muc.ack_pending) == (2, 0, 1, 1)
    week = cockpit_periods(shop=shop, today=DAY.date(), count=1)[0]
    assert week.ack_on_time_pct == pytest.approx(33.3)  # 1 of 3 due: D is not yet due
    assert week.ack_median_hours == 14.5  # median of 2 h and 27 h


def test_confirmation_rejections_and_a_line_rejected_then_backordered(shop, orders):
    rollup_day(shop=shop, day=DAY.date(), now=NOW)
    b = _fact("PO-B")  # the latest acknowledgement counts: backordered, no longer rejected
    assert (b.units_accepted, b.units_backordered, b.units_rejected) == (10, 4, 0)
    assert b.backorder_open == 4  # nothing of row 2 shipped
    lej = DailyFc.objects.get(fc_code="LEJ1")
    assert (lej.units_ordered, lej.units_accepted, lej.units_rejected) == (28, 22, 2)
    assert lej.rejected_temporarily_unavailable == 2
    assert lej.backorder_open == 4
    fcs = {b.key: b for b in cockpit_fcs(shop=shop, date_from=DAY.date(), date_to=DAY.date())}
    assert fcs["LEJ1"].confirmation_pct == pytest.approx(78.6)  # 22 / 28
    assert fcs["MUC3"].confirmation_pct == 0.0  # unacknowledged units are not confirmed
    product = {
        p.product: p for p in cockpit_products(shop=shop, date_from=DAY.date(), date_to=DAY.date())
    }["B000000001"]
    assert (
        product.units_ordered,
        product.units_accepted,
        product.units_backordered,
        product.units_rejected,
        product.units_shipped,
    ) == (8, 2, 4, 2, 2)


def test_asn_on_time_accuracy_and_lead_time(shop, orders):
    rollup_day(shop=shop, day=DAY.date(), now=NOW)
    assert _fact("PO-A").asn_state == AsnState.ON_TIME
    assert _fact("PO-A").asn_first_try is True
    assert _fact("PO-B").asn_state == AsnState.LATE
    assert _fact("PO-B").asn_first_try is False  # replaced afterwards
    assert _fact("PO-C").asn_state == AsnState.NONE
    assert (_fact("PO-A").lead_hours, _fact("PO-B").lead_hours) == (28, 71)
    lej = Bucket(key="LEJ1")
    lej.add(DailyFc.objects.filter(fc_code="LEJ1").values()[0])
    assert (lej.asn_on_time_pct, lej.asn_accuracy_pct) == (50.0, 50.0)
    assert lej.lead_days == pytest.approx(2.1)  # (28 + 71) / 2 h


def test_a_backorder_shipped_later_is_no_longer_open(shop, orders):
    ship(orders["b"], shipped_at=DAY + 100 * H, asn_at=DAY + 99 * H, quantities=(0, 4), code="G2")
    rollup_day(shop=shop, day=DAY.date(), now=NOW)
    assert _fact("PO-B").backorder_open == 0


def test_rollup_twice_gives_the_same_rows(shop, orders):
    rollup_day(shop=shop, day=DAY.date(), now=NOW)
    first = list(DailyFc.objects.values_list("fc_code", "pos", "ack_late", "units_accepted"))
    rollup_day(shop=shop, day=DAY.date(), now=NOW)
    assert (
        list(DailyFc.objects.values_list("fc_code", "pos", "ack_late", "units_accepted")) == first
    )
    assert OrderFact.objects.count() == 4
    assert DailyProduct.objects.filter(day=DAY.date()).count() == 3


def test_a_day_without_amazon_orders_is_emptied(shop, orders):
    rollup_day(shop=shop, day=DAY.date(), now=NOW)
    from orders.models import Order

    Order.objects.filter(shop=shop).exclude(number="PO-E").update(channel="manual")
    rollup_day(shop=shop, day=DAY.date(), now=NOW)
    assert not DailyFc.objects.filter(day=DAY.date()).exists()


def test_other_shops_are_not_counted(shop, other_shop, orders):
    amazon_order(other_shop, "PO-X", at=DAY + 8 * H)
    rollup_day(shop=shop, day=DAY.date(), now=NOW)
    assert sum(DailyFc.objects.filter(shop=shop).values_list("pos", flat=True)) == 4
    assert not DailyFc.objects.filter(shop=other_shop).exists()


def test_recent_rollup_covers_every_shop_and_day(shop, orders, settings):
    assert cockpit_rollup_recent(now=NOW, days=3) == 5  # DAY (4) and the next day (E)
    assert cockpit_rollup_recent(now=NOW, days=3) == 5
    assert OrderFact.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_rollups_of_one_day_leave_one_slice(admin_user):
    from tests.support.factories import ShopFactory

    shop = ShopFactory(owner=admin_user, name="Concurrent")
    for i in range(20):
        amazon_order(shop, f"PO-{i}", at=DAY + (i % 20) * H)
    errors = []

    def run():
        try:
            rollup_day(shop=shop, day=DAY.date(), now=NOW)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert OrderFact.objects.filter(shop=shop).count() == 20
    assert list(DailyFc.objects.filter(shop=shop).values_list("fc_code", "pos")) == [("LEJ1", 20)]
