"""Amazon's pages stored five at a time: one transaction and one counter update per batch,
and nothing lost or doubled at the edges of a batch or a window."""

import sys

import pytest

from amazon1p.importing.models import AmazonPurchaseOrder, SyncKind, SyncStatus
from amazon1p.importing.pages import BATCH_POS, batches
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from amazon1p.spapi.client import read_purchase_order
from amazon1p.spapi.types import PurchaseOrderPage
from orders.models import Order, OrderRow
from simulator import SimulatorConfig
from tests.support.amazon import connect, days_ago, vendor_client_for


def _page(first: int, count: int) -> PurchaseOrderPage:
    payloads = tuple({"purchaseOrderNumber": f"PO{n:05d}"} for n in range(first, first + count))
    return PurchaseOrderPage(None, None, payloads, read=read_purchase_order)


def test_pages_join_into_batches_of_at_least_the_size_in_order():
    pages = [_page(i * 100, 100) for i in range(6)] + [_page(600, 40)]

    joined = list(batches(iter(pages), size=BATCH_POS))

    assert [(len(batch.payloads), count) for batch, count in joined] == [(500, 5), (140, 2)]
    numbers = [n for batch, _ in joined for n in batch.numbers]
    assert numbers == [f"PO{n:05d}" for n in range(640)]
    assert list(batches(iter([]))) == []


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    """About 650 POs a day: a one-day window is seven pages, so two batches."""
    return SimulatorConfig(seed=5, orders_per_day=650, transaction_delay=0.1, rate_limits=False)


@pytest.mark.django_db
def test_a_window_of_several_batches_imports_every_po_once(shop, sim):
    connect(shop, sim)
    start, end = days_ago(1), days_ago(0)
    with vendor_client_for(sim) as client:
        listed = [
            len(page.payloads)
            for page in client.list_purchase_orders(created_after=start, created_before=end)
        ]
    assert len(listed) > BATCH_POS // 100, "the window must span more than one batch"
    interval = sys.getswitchinterval()

    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=start, range_to=end, enqueue=False
    )
    with vendor_client_for(sim) as client:
        done = sync_run_execute(run_id=run.pk, client=client)

    assert done.status == SyncStatus.SUCCEEDED, done.error
    assert done.pages == len(listed) and done.new_count == sum(listed)
    assert Order.objects.filter(shop=shop).count() == sum(listed)
    assert AmazonPurchaseOrder.objects.filter(shop=shop).count() == sum(listed)
    assert not Order.objects.filter(shop=shop, rows__isnull=True).exists()
    assert OrderRow.objects.filter(order__shop=shop).count() > sum(listed)
    # The prompt GIL hand-over is for the import only: the process gets its interval back.
    assert sys.getswitchinterval() == interval

    with vendor_client_for(sim) as client:  # again: every PO recognised, none added
        again_run, _ = sync_run_request(
            shop=shop, kind=SyncKind.NEW, range_from=start, range_to=end, enqueue=False
        )
        again = sync_run_execute(run_id=again_run.pk, client=client)
    assert again.new_count == 0 and again.unchanged_count + again.changed_count == sum(listed)
    assert Order.objects.filter(shop=shop).count() == sum(listed)
