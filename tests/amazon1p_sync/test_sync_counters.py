"""A run's counters are what the simulator saw: every SP-API call, 429 and retry of every
attempt, also for runs that store nothing and for attempts that failed before a takeover."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from amazon1p.models import SyncKind, SyncRun, SyncStatus
from amazon1p.spapi.client import ApiAccess, RetryPolicy, VendorClient
from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.errors import AmazonTransientError
from amazon1p.spapi.ratelimit import LocalRateLimiter
from tests.support.amazon import GOOD, connect, days_ago, last_seq, vendor_calls

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands in for a worker dying mid-run: not an Exception, so the run stays running."""


@pytest.fixture
def sim(simulator_factory):
    """A simulator of its own: its fault sequence starts at request 1 in every test."""
    return simulator_factory(seed=5, orders_per_day=30, rate_limits=False)


def client(sim, attempts: int = 10) -> VendorClient:
    return VendorClient(
        ApiAccess("counters", Endpoint.custom(sim.base_url), GOOD),
        rate_limiter=LocalRateLimiter(),
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.001, max_delay=0.005),
        timeout=10,
    )


def request(shop, kind, days=2):
    run, created = sync_run_request(
        shop=shop, kind=kind, range_from=days_ago(days), range_to=days_ago(0), enqueue=False
    )
    assert created
    return run


def test_a_missing_run_that_stores_nothing_counts_its_calls_and_429s(shop, sim):
    connect(shop, sim)
    with client(sim) as calm:
        sync_run_execute(run_id=request(shop, SyncKind.NEW, days=7).pk, client=calm)
    sim.simulator.update_config({"throttle_rate": 0.3})
    since = last_seq(sim)

    run = request(shop, SyncKind.MISSING, days=7)
    with client(sim) as throttled:
        run = sync_run_execute(run_id=run.pk, client=throttled)

    seen = vendor_calls(sim, since)
    answered_429 = sum(1 for call in seen if call["status"] == 429)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.new_count == run.changed_count == run.pages == 0  # nothing was missing
    assert answered_429 >= 3 and len(seen) > 2 * run.windows_total
    assert (run.api_calls, run.throttled, run.retries) == (len(seen), answered_429, answered_429)


def test_a_changed_run_counts_its_status_listing(shop, sim):
    connect(shop, sim)
    since = last_seq(sim)

    with client(sim) as api:
        run = sync_run_execute(run_id=request(shop, SyncKind.CHANGED).pk, client=api)

    seen = vendor_calls(sim, since)
    operations = {call["operation"] for call in seen}
    assert {"getPurchaseOrders", "getPurchaseOrdersStatus"} <= operations
    assert run.api_calls == len(seen)


def test_counters_add_up_over_a_failed_attempt_a_dead_worker_and_its_takeover(shop, sim):
    connect(shop, sim)
    since = last_seq(sim)
    run = request(shop, SyncKind.NEW, days=3)

    # Attempt 1: Amazon fails every call from the second window on; the client gives up.
    def break_amazon(progress: SyncRun) -> None:
        if progress.windows_done == 1:
            sim.simulator.update_config({"error_rate": 1.0})

    with client(sim, attempts=3) as api, pytest.raises(AmazonTransientError):
        sync_run_execute(run_id=run.pk, client=api, on_progress=break_amazon)
    run.refresh_from_db()
    assert run.status == SyncStatus.QUEUED and run.error.startswith("Retrying: ")
    assert (run.api_calls, run.retries) == (len(vendor_calls(sim, since)), 2)

    # Attempt 2: Amazon is back; the worker dies after storing a page.
    sim.simulator.update_config({"error_rate": 0.0, "throttle_rate": 0.3})

    def die(progress: SyncRun) -> None:
        raise WorkerKilled

    with client(sim) as api, pytest.raises(WorkerKilled):
        sync_run_execute(run_id=run.pk, client=api, on_progress=die)
    run.refresh_from_db()
    assert run.status == SyncStatus.RUNNING and run.windows_done == 1
    SyncRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))

    # Attempt 3 takes the run over and finishes it.
    with client(sim) as api:
        run = sync_run_execute(run_id=run.pk, client=api)

    seen = vendor_calls(sim, since)
    failed_5xx = sum(1 for call in seen if call["status"] >= 500)
    answered_429 = sum(1 for call in seen if call["status"] == 429)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.attempts == 3 and run.windows_done == 3 and failed_5xx == 3
    assert run.api_calls == len(seen)
    assert run.throttled == answered_429 > 0
    assert run.retries == 2 + answered_429  # attempt 1's two retries, then one per 429
