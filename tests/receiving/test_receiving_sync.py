"""Receiving end to end against the simulator with the real client: a shipment received in
full, one received short (one alert after the grace days, the reconciliation's figures), the
sync run twice, and a transient failure followed by a retry of the task."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amazon1p.spapi.errors import AmazonTransientError
from receiving.models import LineReceipt, LineReceiptChange, OrderReceiving, ReceiveStatus
from receiving.selectors import order_reconciliation
from receiving.services import (
    _holdings_by_array,
    _holdings_by_chunks,
    receiving_sync,
    shortage_alerts_raise,
)
from receiving.tasks import receiving_sync_task
from shops.models import Alert
from tests.support.invoicing import shipped_in_db
from tests.support.receiving import ship, wait_for_receipt

pytestmark = pytest.mark.django_db


def _receipts(order):
    return list(
        LineReceipt.objects.filter(order=order)
        .order_by("row__position")
        .values_list("receive_status", "received_quantity")
    )


def test_a_shipment_received_in_full_closes_the_order(shop, shipped_order, admin_user, api):
    ship(shop, shipped_order, admin_user, api)
    rows = list(shipped_order.rows.order_by("position"))

    early = receiving_sync(shop=shop, client=api)  # Amazon has not received it yet
    assert early.targets == 1
    assert {status for status, _ in _receipts(shipped_order)} == {ReceiveStatus.NOT_RECEIVED}

    wait_for_receipt()
    result = receiving_sync(shop=shop, client=api)

    assert result.statuses == 1 and result.lines_changed == len(rows)
    assert _receipts(shipped_order) == [(ReceiveStatus.RECEIVED, row.quantity) for row in rows]
    shipped_order.refresh_from_db()
    assert shipped_order.main_status.name == "Completed"  # the shop's mapping of Received
    assert OrderReceiving.objects.get(order=shipped_order).fully_received
    # history: not received, then received, per line
    assert LineReceiptChange.objects.filter(receipt__order=shipped_order).count() == 2 * len(rows)
    recon = order_reconciliation(shipped_order)
    assert recon.at_risk == 0 and recon.received == recon.shipped == recon.accepted
    assert not Alert.objects.filter(shop=shop, message__contains="fewer than").exists()

    again = receiving_sync(shop=shop, client=api)  # fully received: nothing left to ask
    assert again.targets == 0 and again.calls == 0


def test_a_shipment_received_short_raises_one_alert_after_the_grace_days(
    shop, shipped_order, admin_user, api, sim
):
    sim.simulator.update_config({"shortage_rate": 1.0})  # every line one case short
    ship(shop, shipped_order, admin_user, api)
    wait_for_receipt()

    receiving_sync(shop=shop, client=api)
    recon = order_reconciliation(shipped_order)
    short = [line for line in recon.lines if line.at_risk]
    assert short and recon.at_risk == recon.shipped - recon.received > 0
    assert recon.at_risk_value == sum(line.at_risk * line.row.unit_price for line in short)
    assert {line.receive_status for line in short} == {ReceiveStatus.PARTIALLY_RECEIVED}
    assert recon.to_ship == 0
    shipped_order.refresh_from_db()
    assert shipped_order.main_status.name == "Acknowledged"  # mapping of Partially received
    assert not OrderReceiving.objects.get(order=shipped_order).fully_received
    assert not Alert.objects.filter(shop=shop, message__contains="fewer than").exists()

    later = timezone.now() + timedelta(days=8)  # past the default grace of 7 days
    first = receiving_sync(shop=shop, client=api, now=later)
    second = receiving_sync(shop=shop, client=api, now=later + timedelta(hours=1))

    assert (first.alerts, second.alerts) == (1, 0)
    alert = Alert.objects.get(shop=shop, message__contains="fewer than")
    assert f"{recon.at_risk} units" in alert.message
    assert f"{recon.at_risk_value:.2f}" in alert.message
    assert alert.target_id == str(shipped_order.pk)
    # running again changed nothing: same receipts, one history row per state
    assert LineReceiptChange.objects.filter(receipt__order=shipped_order).count() == len(
        recon.lines
    )


def test_a_sync_with_nothing_new_writes_nothing(shop, shipped_order, admin_user, api, sim):
    """What we hold is compared with what Amazon says, line by line: a PO received short stays
    a target, and the next sync finds every line as stored (the beat job's steady state)."""
    sim.simulator.update_config({"shortage_rate": 1.0})
    ship(shop, shipped_order, admin_user, api)
    wait_for_receipt()
    first = receiving_sync(shop=shop, client=api)
    changes = LineReceiptChange.objects.filter(receipt__order=shipped_order).count()

    again = receiving_sync(shop=shop, client=api)

    assert first.lines_changed == shipped_order.rows.count() > 0
    assert (again.targets, again.statuses, again.lines_changed) == (1, 1, 0)
    assert LineReceiptChange.objects.filter(receipt__order=shipped_order).count() == changes
    # PostgreSQL's path (one array parameter) reads what the ORM's reads elsewhere
    held = _holdings_by_array([shipped_order.pk])
    assert held == _holdings_by_chunks([shipped_order.pk])
    assert len(held.current) == len(held.rows) == shipped_order.rows.count()
    assert held.held == {shipped_order.pk: False}


def test_grace_days_come_from_the_shops_settings(shop, shipped_order, admin_user, api, sim):
    sim.simulator.update_config({"shortage_rate": 1.0})
    ship(shop, shipped_order, admin_user, api)
    shop.amazon_connection.shortage_grace_days = 0
    shop.amazon_connection.save(update_fields=["shortage_grace_days"])
    wait_for_receipt()

    assert receiving_sync(shop=shop, client=api).alerts == 1


def test_a_transient_failure_then_the_tasks_retry_stores_the_receipts(
    shop, shipped_order, admin_user, api, sim, settings
):
    ship(shop, shipped_order, admin_user, api)
    wait_for_receipt()
    settings.SPAPI_MAX_ATTEMPTS = 2
    sim.simulator.update_config({"error_rate": 1.0})
    try:
        with pytest.raises(AmazonTransientError):
            receiving_sync_task.run(shop.pk)
    finally:
        sim.simulator.update_config({"error_rate": 0.0})
    assert not LineReceipt.objects.filter(order=shipped_order).exists()
    assert AmazonTransientError in receiving_sync_task.autoretry_for  # Celery retries it

    outcome = receiving_sync_task.apply(args=[shop.pk]).get()

    rows = shipped_order.rows.count()
    assert outcome == {"targets": 1, "changed": rows, "alerts": 0}
    assert {s for s, _ in _receipts(shipped_order)} == {ReceiveStatus.RECEIVED}


def test_an_overlapping_run_of_the_same_shop_skips(shop, api):
    """While another worker's run holds the shop's lock, a second run reads and writes
    nothing (the advisory lock lives in PostgreSQL, so it spans workers and hosts)."""
    import threading

    from django.db import connections

    from core.folders import pass_lock

    held, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with pass_lock(f"receiving-sync-{shop.pk}") as got:
                assert got
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=other_worker)
    worker.start()
    try:
        assert held.wait(10)
        result = receiving_sync(shop=shop, client=api)
    finally:
        release.set()
        worker.join(10)

    assert result.skipped and result.calls == 0
    assert not receiving_sync(shop=shop, client=api).skipped


def test_the_shortage_alert_counts_one_unit_as_one_unit(shop, group):
    order = shipped_in_db(shop, group, "PO-ONE-SHORT", {1: 11, 2: 6})  # row 1: 1 of 12 short
    OrderReceiving.objects.create(shop=shop, order=order, checked_at=timezone.now())

    assert shortage_alerts_raise(shop=shop, now=timezone.now(), grace_days=0) == 1

    message = Alert.objects.get(shop=shop, message__contains="fewer than").message
    assert "Amazon received 1 unit fewer than the ASN shipped" in message
