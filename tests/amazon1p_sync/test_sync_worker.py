"""End to end on PostgreSQL and Redis with a real Celery worker and the real client against
the simulator: import, re-import, a worker killed mid-run then resumed, and two concurrent
"Sync now" clicks giving one run."""

import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone

from amazon1p.importing.models import (
    AmazonPurchaseOrder,
    AmazonPurchaseOrderVersion,
    SyncKind,
    SyncRun,
    SyncStatus,
)
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from orders.models import Order
from shops.models import AuditEntry
from tests.support.amazon import days_ago, vendor_client_for
from tests.support.sync import simulator_numbers, wait_finished
from tests.support.web import web_client_for

pytestmark = pytest.mark.django_db(transaction=True)


class WorkerKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so the run cannot record it."""


def test_worker_imports_and_a_second_run_creates_no_duplicates(connected, shop, sim, worker):
    start, end = days_ago(3), days_ago(0)
    expected = simulator_numbers(sim, start, end)
    for attempt in range(2):
        run, created = sync_run_request(
            shop=shop, kind=SyncKind.NEW, range_from=start, range_to=end
        )
        assert created
        run = wait_finished(run.pk)
        assert run.status == SyncStatus.SUCCEEDED, run.error
        assert set(Order.objects.filter(shop=shop).values_list("number", flat=True)) == expected
        assert (run.new_count, run.unchanged_count) == (
            (len(expected), 0) if attempt == 0 else (0, len(expected))
        )
        assert run.api_calls >= run.windows_total == 3
    assert AmazonPurchaseOrderVersion.objects.filter(purchase_order__shop=shop).count() == len(
        expected
    )


def test_killed_run_resumes_without_gap_or_duplicate(connected, shop, sim, worker):
    start, end = days_ago(4), days_ago(0)
    expected = simulator_numbers(sim, start, end)
    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=start, range_to=end, enqueue=False
    )

    def kill_in_third_window(progress: SyncRun) -> None:
        if progress.windows_done == 2 and progress.pages == 3:  # window 3 stored, not done
            raise WorkerKilled

    with vendor_client_for(sim) as client, pytest.raises(WorkerKilled):
        sync_run_execute(run_id=run.pk, client=client, on_progress=kill_in_third_window)
    run.refresh_from_db()
    assert run.status == SyncStatus.RUNNING and run.windows_done == 2
    assert run.resume_from == start + timedelta(days=2)
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

    # The next request (beat or "Sync now") finds the stale run and hands it to a worker.
    again, created = sync_run_request(shop=shop, kind=SyncKind.NEW)
    assert (again.pk, created) == (run.pk, False)
    run = wait_finished(run.pk)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.windows_done == run.windows_total == 4
    assert set(Order.objects.filter(shop=shop).values_list("number", flat=True)) == expected
    assert AmazonPurchaseOrder.objects.filter(shop=shop).count() == len(expected)
    assert AmazonPurchaseOrderVersion.objects.filter(purchase_order__shop=shop).count() == len(
        expected
    )
    assert run.new_count == len(expected)  # the re-read window counted as unchanged


def test_two_concurrent_sync_now_clicks_give_one_run(connected, shop, admin_user, worker):
    url = reverse("amazon1p:sync-now", kwargs={"shop_id": shop.pk})
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def click() -> None:
        try:
            web = web_client_for(admin_user)
            barrier.wait()
            statuses.append(web.post(url).status_code)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert statuses == [302, 302]
    runs = list(SyncRun.objects.filter(shop=shop))
    assert len(runs) == 1 and runs[0].created_by == admin_user
    assert AuditEntry.objects.filter(shop=shop, action="amazon1p.sync.request").count() == 1
    assert wait_finished(runs[0].pk).status == SyncStatus.SUCCEEDED
