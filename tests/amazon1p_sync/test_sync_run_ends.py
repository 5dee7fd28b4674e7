"""No run stays queued or running without a worker: the last retry, a broker that refuses the
task, a queue nobody reads and a worker that keeps dying each end the run Failed with the
reason (and an alert); a run that only lost its task is handed to a worker again."""

from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from amazon1p.importing.models import SyncKind, SyncRun, SyncStatus
from amazon1p.importing.selectors import sync_health
from amazon1p.importing.services import MAX_ATTEMPTS, sync_run_request, sync_runs_watchdog
from amazon1p.importing.tasks import amazon1p_sync_run_task
from amazon1p.tasks import amazon1p_sync_watchdog_task
from shopctrl.celery import app
from shops.models import Alert
from tests.support.amazon import days_ago, vendor_calls
from tests.support.sync import wait_finished

pytestmark = pytest.mark.django_db


def queued(shop, *, waited: timedelta, kind=SyncKind.NEW) -> SyncRun:
    run = SyncRun.objects.create(shop=shop, kind=kind)
    SyncRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - waited)
    run.refresh_from_db()
    return run


def test_every_retry_failing_ends_the_run_failed_with_amazons_answer(
    connected, shop, sim, settings
):
    settings.SPAPI_MAX_ATTEMPTS = 1  # one call per task attempt keeps the chain short
    sim.simulator.update_config({"error_rate": 1.0})
    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=days_ago(1), range_to=days_ago(0), enqueue=False
    )

    # Eagerly, Celery runs each retry at once: the whole chain, up to the last one.
    amazon1p_sync_run_task.apply(args=[run.pk])

    run.refresh_from_db()
    attempts = amazon1p_sync_run_task.max_retries + 1
    assert run.status == SyncStatus.FAILED and run.finished_at is not None
    assert run.error.startswith(
        "Amazon stayed unavailable, no retry is left: Amazon failed on getPurchaseOrders (HTTP 5"
    )
    assert run.attempts == run.api_calls == attempts
    assert Alert.objects.filter(shop=shop, message__contains=f"run #{run.pk} failed").exists()


def test_a_run_the_broker_will_not_take_fails_with_the_reason(
    connected, shop, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(amazon1p_sync_run_task, "apply_async", broker_down)

    with django_capture_on_commit_callbacks(execute=True):
        run, created = sync_run_request(shop=shop, kind=SyncKind.NEW)

    run.refresh_from_db()
    assert created and run.status == SyncStatus.FAILED
    assert run.error == (
        "The run could not be handed to a worker (OperationalError: Error 111 connecting to "
        "127.0.0.1:6399. Connection refused.)."
    )


def test_watchdog_fails_a_run_no_worker_took_and_one_whose_workers_keep_dying(
    connected, shop, other_shop
):
    unclaimed = queued(shop, waited=timedelta(hours=2))
    dying = SyncRun.objects.create(
        shop=other_shop,
        kind=SyncKind.MISSING,
        status=SyncStatus.RUNNING,
        attempts=MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )

    assert amazon1p_sync_watchdog_task.apply().get() == {
        "handed_over": 0,
        "failed": 2,
        "resumed": 0,
    }

    unclaimed.refresh_from_db()
    dying.refresh_from_db()
    assert unclaimed.status == dying.status == SyncStatus.FAILED
    assert unclaimed.error == (
        "No worker took the run in 120 minutes: is a Celery worker running and reading the "
        "default queue?"
    )
    assert dying.error.startswith(f"Given up after {MAX_ATTEMPTS} attempts: its worker stopped")
    assert Alert.objects.filter(shop=other_shop, message__contains="Given up").exists()
    assert sync_runs_watchdog() == (0, 0)  # twice: nothing more to do


def test_watchdog_leaves_a_fresh_queued_run_alone(connected, shop):
    run = queued(shop, waited=timedelta(minutes=1))

    assert sync_runs_watchdog() == (0, 0)
    run.refresh_from_db()
    assert run.status == SyncStatus.QUEUED


def test_a_request_replaces_an_active_run_nobody_will_take(connected, shop):
    dead = queued(shop, waited=timedelta(hours=3), kind=SyncKind.MISSING)

    run, created = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)

    dead.refresh_from_db()
    assert created and run.pk != dead.pk and run.status == SyncStatus.QUEUED
    assert dead.status == SyncStatus.FAILED and "No worker took the run" in dead.error


def test_health_badge_says_a_queued_run_waits_for_a_worker(connected, shop):
    run = queued(shop, waited=timedelta(minutes=20))

    assert sync_health(shop).label == "Waiting for a worker"
    SyncRun.objects.filter(pk=run.pk).update(created_at=timezone.now())
    assert sync_health(shop).label == "Queued"


@pytest.mark.django_db(transaction=True)
def test_watchdog_hands_a_run_that_lost_its_task_to_a_worker(
    connected,
    shop,
    sim,
    worker,
):
    app.control.purge()
    run = SyncRun.objects.create(
        shop=shop, kind=SyncKind.NEW, range_from=days_ago(1), range_to=days_ago(0)
    )
    SyncRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(minutes=15))

    assert sync_runs_watchdog() == (1, 0)

    run = wait_finished(run.pk)
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.attempts == 1 and run.api_calls >= 1 and vendor_calls(sim)


def test_watchdog_gives_up_on_a_run_amazon_kept_failing_with_amazons_answer(connected, shop):
    run = queued(shop, waited=timedelta(minutes=15))
    SyncRun.objects.filter(pk=run.pk).update(
        attempts=MAX_ATTEMPTS, error="Retrying: Amazon failed on getPurchaseOrders (HTTP 503)"
    )

    assert sync_runs_watchdog() == (0, 1)

    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED
    assert run.error == (
        f"Given up after {MAX_ATTEMPTS} attempts: the last ended with Amazon failed on "
        "getPurchaseOrders (HTTP 503)"
    )
