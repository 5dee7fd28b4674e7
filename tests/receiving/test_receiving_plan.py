"""The receiving plan: windows that more targets follow end on a whole page, so listing the
shop's POs in several windows costs ⌈N/100⌉ calls, and no PO is listed twice; planned one
window at a time, every target is still asked for exactly once as Amazon reads the windows."""

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amazon1p.importing.models import AmazonPurchaseOrder
from amazon1p.spapi.serialising import format_datetime
from receiving.selectors import Target, pos_created_between
from receiving.services import PAGE_SIZE, WINDOW, receiving_plan, receiving_plan_windows
from tests.support.factories import ShopFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _pos(shop, count: int, days: float, start: datetime = T0, first: int = 0) -> list[Target]:
    """`count` POs created evenly over `days` days from `start` (at odd microseconds),
    numbered from `first`."""
    step = timedelta(days=days) / count
    created = [start + i * step + timedelta(microseconds=7) for i in range(count)]
    AmazonPurchaseOrder.objects.bulk_create(
        [
            AmazonPurchaseOrder(
                shop=shop,
                po_number=f"PO{first + i:05}",
                purchase_order_date=c,
                content_hash="",
                raw={},
            )
            for i, c in enumerate(created)
        ]
    )
    return [Target(first + i + 1, f"PO{first + i:05}", c) for i, c in enumerate(created)]


def _sent(moment: datetime) -> datetime:
    """A window's bound as Amazon gets it (whole seconds: `format_datetime`)."""
    return datetime.strptime(format_datetime(moment), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _calls(shop, plan) -> int:
    return sum(
        1 if q.po_number else max(1, math.ceil(pos_created_between(shop, q.start, q.end) / 100))
        for q in plan
    )


def test_windows_end_on_whole_pages():
    shop = ShopFactory()
    targets = _pos(shop, 1_050, days=10)  # 735 in the first 7 days: 8 pages, not ⌈735/100⌉+1
    plan = receiving_plan(shop, targets)
    assert len(plan) == 2 and all(q.po_number is None for q in plan)
    assert pos_created_between(shop, plan[0].start, plan[0].end) % PAGE_SIZE == 0
    assert plan[1].start >= plan[0].end  # nothing listed twice
    assert _calls(shop, plan) == math.ceil(len(targets) / PAGE_SIZE)
    listed = sum(pos_created_between(shop, q.start, q.end) for q in plan)
    assert listed == len(targets)


def test_a_single_window_is_not_cut():
    shop = ShopFactory()
    targets = _pos(shop, 250, days=5)
    plan = receiving_plan(shop, targets)
    assert len(plan) == 1
    assert pos_created_between(shop, plan[0].start, plan[0].end) == 250


def test_windows_planned_one_by_one_ask_for_every_target_exactly_once():
    shop = ShopFactory()
    # A quiet week (one page: the window is not cut), then a PO created a few microseconds
    # after the whole second that ends that week's window; a busy fortnight (cut on whole
    # pages) where every seventh PO is received already; two stragglers weeks apart.
    quiet = _pos(shop, 40, days=5)
    edge_at = _sent(quiet[0].created - timedelta(seconds=1) + WINDOW) + timedelta(microseconds=3)
    edge = _pos(shop, 1, days=1, start=edge_at - timedelta(microseconds=7), first=100)
    busy = _pos(shop, 1_500, days=14, start=T0 + timedelta(days=8), first=1_000)
    late = [
        *_pos(shop, 1, days=1, start=T0 + timedelta(days=40), first=5_000),
        *_pos(shop, 1, days=1, start=T0 + timedelta(days=55), first=5_001),
    ]
    targets = sorted(
        quiet + edge + [t for i, t in enumerate(busy) if i % 7] + late, key=lambda t: t.created
    )

    with CaptureQueriesContext(connection) as before_first:
        windows = receiving_plan_windows(shop, targets)
        first = next(windows)
    plan = [first, *windows]

    # the first query is handed over once its own window is counted, not the whole plan
    assert len(before_first) <= 3
    assert plan == receiving_plan(shop, targets)
    listed = [(_sent(q.start), _sent(q.end)) for q in plan if q.po_number is None]
    assert len(listed) >= 3 and {q.po_number for q in plan} >= {t.po_number for t in late}
    for after, before in listed:
        assert before - after <= WINDOW
    for (_, before), (after, _) in itertools.pairwise(listed):
        assert after >= before  # no PO listed twice
    for target in targets:
        asked = sum(
            q.po_number == target.po_number
            if q.po_number
            else _sent(q.start) < target.created <= _sent(q.end)
            for q in plan
        )
        assert asked == 1, target
