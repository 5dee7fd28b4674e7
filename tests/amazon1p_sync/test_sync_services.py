"""Sync services against the simulator, in-process (the Celery tests are in test_sync_worker)."""

from decimal import Decimal

import pytest

from amazon1p.importing.models import (
    AmazonPurchaseOrder,
    AmazonPurchaseOrderVersion,
    SyncCursor,
    SyncKind,
    SyncStatus,
)
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from amazon1p.spapi.errors import AmazonTransientError
from orders import selectors
from orders.models import CreditRow, Order, OrderParameter
from orders.services import OrderInput, RowInput, order_create
from shops.models import Alert
from tests.support.amazon import days_ago, vendor_client_for
from tests.support.sync import run_sync, simulator_numbers

pytestmark = pytest.mark.django_db


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
    details = order.amazon_po.raw["orderDetails"]
    assert order.payment_type.code == details["paymentMethod"].lower()  # invoice, consignment…
    item = details["items"][0]
    row = order.rows.get(position=1)
    ordered = item["orderedQuantity"]
    if ordered["unitOfMeasure"] == "Cases":
        assert row.ordered_cases == ordered["amount"]
        assert row.quantity == ordered["amount"] * ordered["unitSize"]
    else:
        assert row.ordered_cases is None and row.quantity == ordered["amount"]
    assert row.case_size == ordered.get("unitSize")
    assert row.list_price == Decimal(item["listPrice"]["amount"])
    assert row.unit_price == Decimal(item["netCost"]["amount"])

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


def test_historical_import_over_imported_orders_adds_credit_rows_once(connected, shop, sim):
    start, end = days_ago(60), days_ago(55)
    run_sync(shop, SyncKind.NEW, sim, range_from=start, range_to=end)
    assert not CreditRow.objects.filter(order__shop=shop).exists()
    orders = Order.objects.filter(shop=shop).count()

    first = run_sync(shop, SyncKind.HISTORICAL, sim, range_from=start, range_to=end)
    assert first.status == SyncStatus.SUCCEEDED, first.error
    credits = CreditRow.objects.filter(order__shop=shop)
    count = credits.count()
    assert credits.filter(reason=connected.credit_reason_rejected).exists()
    assert credits.filter(reason=connected.credit_reason_cancelled).exists()
    assert Order.objects.filter(shop=shop).count() == orders

    again = run_sync(shop, SyncKind.HISTORICAL, sim, range_from=start, range_to=end)
    assert again.status == SyncStatus.SUCCEEDED and credits.count() == count
    assert not Alert.objects.filter(shop=shop, message__contains="kept a staff edit").exists()


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


def test_malformed_pos_are_stored_raw_reported_and_the_run_goes_on(connected, shop, sim):
    sim.simulator.update_config({"malformed_rate": 0.2})
    start, end = days_ago(2), days_ago(0)
    run = run_sync(shop, SyncKind.NEW, sim, range_from=start, range_to=end)
    assert run.status == SyncStatus.PARTIAL
    bad = AmazonPurchaseOrder.objects.filter(shop=shop, is_malformed=True)
    assert run.failed_count == bad.count() + run.errors.filter(po_number="").count() > 0
    assert all(po.raw and po.error and po.order_id is None for po in bad)
    assert set(run.errors.exclude(po_number="").values_list("po_number", flat=True)) == set(
        bad.values_list("po_number", flat=True)
    )
    assert run.new_count == Order.objects.filter(shop=shop).count() > 0

    sim.simulator.update_config({"malformed_rate": 0})
    healed = run_sync(shop, SyncKind.NEW, sim, range_from=start, range_to=end)
    assert healed.status == SyncStatus.SUCCEEDED
    assert not AmazonPurchaseOrder.objects.filter(shop=shop, is_malformed=True).exists()
    assert set(Order.objects.filter(shop=shop).values_list("number", flat=True)) == (
        simulator_numbers(sim, start, end)
    )


def test_transient_failure_requeues_the_run_and_the_retry_finishes_it(connected, shop, sim):
    start, end = days_ago(2), days_ago(0)
    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=start, range_to=end, enqueue=False
    )
    sim.simulator.update_config({"error_rate": 1.0})
    with vendor_client_for(sim) as client, pytest.raises(AmazonTransientError):
        sync_run_execute(run_id=run.pk, client=client)
    run.refresh_from_db()
    assert run.status == SyncStatus.QUEUED and run.error.startswith("Retrying")

    sim.simulator.update_config({"error_rate": 0})
    with vendor_client_for(sim) as client:
        done = sync_run_execute(run_id=run.pk, client=client)
    assert done.status == SyncStatus.SUCCEEDED and done.error == ""
    assert done.new_count == len(simulator_numbers(sim, start, end))


def test_executing_a_finished_run_again_does_nothing(connected, shop, sim):
    run = run_sync(shop, SyncKind.NEW, sim, range_from=days_ago(1), range_to=days_ago(0))
    with vendor_client_for(sim) as client:
        assert sync_run_execute(run_id=run.pk, client=client) is None


def test_second_request_while_active_returns_the_active_run(connected, shop):
    first, created = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
    second, again = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
    assert created and not again and second.pk == first.pk
    # Another kind is kept, not merged into it (tests/amazon1p_sync/test_sync_queue.py).
    other, kept = sync_run_request(shop=shop, kind=SyncKind.MISSING, enqueue=False)
    assert kept and other.pk != first.pk


def test_po_entered_by_hand_before_it_arrived_is_linked_not_duplicated(connected, shop, sim):
    start, end = days_ago(1), days_ago(0)
    number = sorted(simulator_numbers(sim, start, end))[0]
    by_hand = order_create(
        shop=shop,
        data=OrderInput(
            number=number,
            ordered_at=start,
            rows=[RowInput(quantity=3, unit_price=Decimal("9.99"), title="Typed in")],
        ),
    )

    run = run_sync(shop, SyncKind.NEW, sim, range_from=start, range_to=end)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.new_count == len(simulator_numbers(sim, start, end))
    assert Order.objects.filter(shop=shop, number=number).count() == 1
    assert AmazonPurchaseOrder.objects.get(shop=shop, po_number=number).order_id == by_hand.pk
    kept = Order.objects.get(pk=by_hand.pk)
    assert [(r.title, r.quantity) for r in kept.rows.all()] == [("Typed in", 3)]  # untouched
    assert not kept.parameters.exists()
    assert Alert.objects.filter(
        shop=shop, target_id=str(by_hand.pk), message__contains="matched an existing order"
    ).exists()
    # Every other PO of the page became its own order, with its rows.
    others = Order.objects.filter(shop=shop).exclude(pk=by_hand.pk)
    assert others.count() == run.new_count - 1
    assert not others.filter(rows__isnull=True).exists()


def test_pos_to_an_unknown_fc_import_with_one_alert_per_fc(connected, shop, sim):
    connected.fulfillment_centers.all().delete()
    run_sync(shop, SyncKind.NEW, sim, range_from=days_ago(1), range_to=days_ago(0))
    order = Order.objects.filter(shop=shop).first()
    # One grouped alert per unknown code, counting its orders; the order page still shows it.
    grouped = Alert.objects.filter(shop=shop, kind="fulfillment_center")
    codes = {
        raw["orderDetails"]["shipToParty"]["partyId"]
        for raw in AmazonPurchaseOrder.objects.filter(shop=shop).values_list("raw", flat=True)
    }
    assert grouped.count() == len(codes) < Order.objects.filter(shop=shop).count()
    assert sum(a.count for a in grouped) == Order.objects.filter(shop=shop).count()
    assert all(a.message.startswith("Unknown fulfillment center") for a in grouped)
    assert selectors.order_alerts(order=order).filter(kind="fulfillment_center").count() == 1
    # Name and address come from the PO's shipToParty instead.
    assert order.customer_display_name and order.address_display


def test_failed_run_alerts_the_shop(connected, shop, sim):
    connected.refresh_token_encrypted = ""
    connected.save()
    run, _ = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
    done = sync_run_execute(run_id=run.pk)
    assert done.status == SyncStatus.FAILED and "refresh token" in done.error
    assert Alert.objects.filter(shop=shop, severity="error", message__contains="failed").exists()
