"""Sync services against the simulator, in-process (the Celery tests are in test_sync_worker)."""

import pytest

from amazon1p.importing.sync import sync_run_execute, sync_run_request
from amazon1p.models import (
    AmazonPurchaseOrder,
    AmazonPurchaseOrderVersion,
    SyncCursor,
    SyncKind,
    SyncStatus,
)
from orders.models import CreditRow, Order, OrderParameter
from tests.amazon1p_sync.conftest import client_for, days_ago

pytestmark = pytest.mark.django_db


def simulator_numbers(sim, start, end) -> set[str]:
    with client_for(sim) as client:
        return {
            po.number
            for page in client.list_purchase_orders(created_after=start, created_before=end)
            for po in (*page.orders, *page.malformed)
        }


def run_sync(shop, kind, sim, **kwargs):
    run, created = sync_run_request(shop=shop, kind=kind, enqueue=False, **kwargs)
    assert created
    with client_for(sim) as client:
        return sync_run_execute(run_id=run.pk, client=client)


def test_new_import_then_reimport_creates_no_duplicates(connected, shop, sim):
    start, end = days_ago(3), days_ago(0)
    run = run_sync(shop, SyncKind.NEW, sim, range_from=start, range_to=end)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    expected = simulator_numbers(sim, start, end)
    numbers = set(Order.objects.filter(shop=shop).values_list("number", flat=True))
    assert numbers == expected and run.new_count == len(expected) > 50
    assert run.windows_done == run.windows_total == 3
    assert SyncCursor.objects.get(shop=shop, kind=SyncKind.NEW).position == end

    order = Order.objects.filter(shop=shop).first()
    params = dict(OrderParameter.objects.filter(order=order).values_list("key", "value"))
    assert params.get("ShipToPartyRef", "REF-").startswith("REF-")
    assert order.external_reference == order.number and order.channel == "amazon_1p"
    assert order.payment_type.code == "invoice" or order.payment_type is None
    assert order.rows.count() >= 1 and "Row1" in params

    again = run_sync(shop, SyncKind.NEW, sim, range_from=start, range_to=end)
    assert again.new_count == 0 and again.unchanged_count == len(expected)
    assert Order.objects.filter(shop=shop).count() == len(expected)
    assert AmazonPurchaseOrderVersion.objects.filter(purchase_order__shop=shop).count() == len(
        expected
    )


def test_historical_import_adds_credit_rows(connected, shop, sim):
    start, end = days_ago(60), days_ago(50)
    run = run_sync(shop, SyncKind.HISTORICAL, sim, range_from=start, range_to=end)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.new_count == len(simulator_numbers(sim, start, end))
    credits = CreditRow.objects.filter(order__shop=shop)
    assert credits.filter(reason=connected.credit_reason_rejected).exists()
    assert credits.filter(reason=connected.credit_reason_cancelled).exists()
    assert Order.objects.filter(shop=shop, main_status__name="Completed").exists()


def test_missing_po_is_found_by_reconciliation(connected, shop, sim):
    start, end = days_ago(2), days_ago(0)
    run_sync(shop, SyncKind.NEW, sim, range_from=start, range_to=end)
    lost = AmazonPurchaseOrder.objects.filter(shop=shop).first()
    number = lost.po_number
    lost.order.delete()
    lost.delete()
    run = run_sync(shop, SyncKind.MISSING, sim, range_from=start, range_to=end)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.new_count == 1
    assert Order.objects.filter(shop=shop, number=number).exists()
