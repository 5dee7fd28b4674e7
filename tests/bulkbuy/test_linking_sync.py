"""End to end with the Vendor Central simulator: a sync run stores POs, and its hook links
them — one PO to the offer made for it, every other one classified too."""

from datetime import timedelta

import pytest

from amazon1p.importing.models import SyncKind, SyncStatus
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from bulkbuy.models import OrderLink
from orders.models import Order, PurchaseType
from shopctrl.celery import app
from simulator import SimulatorConfig
from tests.support.amazon import connect, days_ago, vendor_client_for
from tests.support.linking import completed_offer
from tests.support.offers import offer_row

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=47, orders_per_day=24, transaction_delay=0.1, rate_limits=False)


@pytest.fixture
def eager_tasks():
    """Celery tasks run inline where they are enqueued, for this test only."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _a_po_with_a_delivery_window(sim, start, end):
    with vendor_client_for(sim) as client:
        for page in client.list_purchase_orders(created_after=start, created_before=end):
            for po in page.orders:
                # Every line priced (the offer is built from the net costs) and in EUR; which
                # POs qualify depends on the day the simulator generates them for.
                priced = all(item.net_cost for item in po.items)
                costs = {item.net_cost.currency for item in po.items if item.net_cost}
                if po.delivery_window and priced and costs == {"EUR"}:
                    return po
    raise AssertionError("the simulator sent no PO with a delivery window in EUR")


def _offer_for(shop, actor, po):
    """A completed offer of the PO's products at its prices, its window inside stage 1."""
    first = po.delivery_window.start.date() - timedelta(days=1)
    last = po.delivery_window.end.date() + timedelta(days=1)
    rows = [
        offer_row(
            n,
            **{
                "ASIN": item.asin,
                "EAN": item.vendor_product_id,
                "Title": item.asin,
                "Unit cost": float(item.net_cost.amount),
                "Stage 1 start": first,
                "Stage 1 end": last,
                "Stage 1 quantity": 10_000,
            },
        )
        for n, item in enumerate(po.items, start=1)
    ]
    return completed_offer(shop, actor, rows=rows, final=10_000, name="SIM-OFFER")


def test_a_sync_run_links_the_pos_it_stored(
    shop, admin_user, sim, eager_tasks, django_capture_on_commit_callbacks
):
    connection = connect(shop, sim)
    connection.offer_link_min_days_ahead = 0  # the simulator's windows are days, not weeks, out
    connection.save()
    start, end = days_ago(2), days_ago(0)
    po = _a_po_with_a_delivery_window(sim, start, end)
    offer = _offer_for(shop, admin_user, po)
    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=start, range_to=end, enqueue=False
    )
    with django_capture_on_commit_callbacks(execute=True), vendor_client_for(sim) as client:
        run = sync_run_execute(run_id=run.pk, client=client)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    orders = Order.objects.filter(shop=shop)
    assert orders.count() > 1
    assert not orders.filter(purchase_type=PurchaseType.NONE).exists()
    link = OrderLink.objects.get(order__number=po.number)
    assert (link.offer_id, link.stage, link.discrepancies) == (offer.pk, 1, [])
    assert orders.get(number=po.number).purchase_type == PurchaseType.BULK_BUY
