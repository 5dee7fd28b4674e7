"""The receiving plan: windows that more targets follow end on a whole page, so listing the
shop's POs in several windows costs ⌈N/100⌉ calls, and no PO is listed twice."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from amazon1p.importing.models import AmazonPurchaseOrder
from receiving.selectors import Target, pos_created_between
from receiving.services import PAGE_SIZE, receiving_plan
from tests.support.factories import ShopFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _pos(shop, count: int, days: float) -> list[Target]:
    """`count` POs created evenly over `days` days from T0 (at odd microseconds)."""
    step = timedelta(days=days) / count
    created = [T0 + i * step + timedelta(microseconds=7) for i in range(count)]
    AmazonPurchaseOrder.objects.bulk_create(
        [
            AmazonPurchaseOrder(
                shop=shop, po_number=f"PO{i:05}", purchase_order_date=c, content_hash="", raw={}
            )
            for i, c in enumerate(created)
        ]
    )
    return [Target(i + 1, f"PO{i:05}", c) for i, c in enumerate(created)]


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
