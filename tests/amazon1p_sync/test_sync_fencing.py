"""Dead runs are found in two minutes, and a worker that lost its run writes nothing.

A worker beats its run's heartbeat from a thread; the watchdog (every minute) puts a run
whose heartbeat is older than a minute back in the queue with the reason and one alert; the
claim number is a fencing token that every write of the run checks."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from amazon1p.importing import services, sync
from amazon1p.importing.services import sync_run_request, sync_runs_watchdog
from amazon1p.importing.sync import STALE_AFTER, sync_run_execute
from amazon1p.models import SyncKind, SyncRun, SyncStatus
from shopctrl.celery import app
from shops.models import Alert


def _days_ago(days: float) -> datetime:
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0)


def _historical(shop) -> SyncRun:
    run, _ = sync_run_request(
        shop=shop,
        kind=SyncKind.HISTORICAL,
        range_from=_days_ago(4),
        range_to=_days_ago(1),
        enqueue=False,
    )
    return run


@pytest.mark.django_db
def test_the_watchdog_requeues_a_dead_run_within_two_minutes_with_one_alert(
    connected, shop, monkeypatch
):
    handed: list[int] = []
    monkeypatch.setattr(services, "_hand_to_worker", handed.append)
    run = _historical(shop)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncStatus.RUNNING,
        attempts=1,
        resume_from=_days_ago(3),
        heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=5),
    )

    assert sync_runs_watchdog() == (1, 0)
    assert sync_runs_watchdog() == (0, 0)  # queued again and fresh: nothing more to do

    run.refresh_from_db()
    assert run.status == SyncStatus.INTERRUPTED
    assert run.error.startswith("Interrupted: its worker stopped (last heartbeat ")
    assert "resuming from " in run.error
    assert handed == [run.pk]
    alerts = Alert.objects.filter(shop=shop, message__contains=f"run #{run.pk}: Interrupted")
    assert alerts.count() == 1


@pytest.mark.django_db
def test_the_watchdog_leaves_a_run_that_beats_alone(connected, shop, monkeypatch):
    monkeypatch.setattr(services, "_hand_to_worker", lambda run_id: None)
    run = _historical(shop)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncStatus.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(seconds=30)
    )

    assert sync_runs_watchdog() == (0, 0)
    run.refresh_from_db()
    assert run.status == SyncStatus.RUNNING and run.error == ""


@pytest.mark.django_db
def test_a_worker_that_lost_its_run_writes_nothing_more(connected, shop, sim):
    """The first page stored, another worker takes the run over (its claim number grows):
    this worker stops at its next write, leaving the run, its counters and its cursor to
    the new owner."""
    run = _historical(shop)
    taken: dict[str, SyncRun] = {}

    def another_worker_takes_over(current: SyncRun) -> None:
        if "snapshot" not in taken and current.pages:
            SyncRun.objects.filter(pk=current.pk).update(attempts=current.attempts + 1)
            taken["snapshot"] = SyncRun.objects.get(pk=current.pk)

    result = sync_run_execute(run_id=run.pk, on_progress=another_worker_takes_over)

    assert result is None
    after = SyncRun.objects.get(pk=run.pk)
    before = taken["snapshot"]
    assert after.status == SyncStatus.RUNNING  # the new owner finishes it, not this worker
    assert (after.pages, after.new_count, after.windows_done, after.resume_from) == (
        before.pages,
        before.new_count,
        before.windows_done,
        before.resume_from,
    )
    assert after.finished_at is None


@pytest.mark.django_db
def test_the_new_owner_resumes_the_run_and_finishes_it_exactly(connected, shop, sim, monkeypatch):
    run = _historical(shop)
    sync_run_execute(run_id=run.pk)
    whole = SyncRun.objects.get(pk=run.pk)
    assert whole.status == SyncStatus.SUCCEEDED

    # The same range again, interrupted after one window and taken over by the watchdog.
    second = _historical(shop)

    def stop_after_first_window(current: SyncRun) -> None:
        if current.windows_done == 1:
            raise KeyboardInterrupt  # as if the worker were killed here

    with pytest.raises(KeyboardInterrupt):
        sync_run_execute(run_id=second.pk, on_progress=stop_after_first_window)
    SyncRun.objects.filter(pk=second.pk).update(
        heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=1)
    )
    monkeypatch.setattr(services, "_hand_to_worker", lambda run_id: None)
    assert sync_runs_watchdog() == (1, 0)
    assert SyncRun.objects.get(pk=second.pk).status == SyncStatus.INTERRUPTED
    resumed = sync_run_execute(run_id=second.pk)

    assert resumed is not None and resumed.status == SyncStatus.SUCCEEDED
    assert resumed.attempts == 2
    assert resumed.windows_done == resumed.windows_total  # each window counted once
    assert resumed.new_count == 0  # everything was stored by the first run: nothing new


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_beats_while_a_page_waits(connected, shop, sim, monkeypatch):
    """A page held up (Amazon slow, the rate limit) longer than the beat interval: the
    thread keeps the heartbeat fresh, so the run is not mistaken for a dead one."""
    monkeypatch.setattr(sync, "HEARTBEAT_EVERY", timedelta(seconds=0.1))
    run = _historical(shop)
    beats: list[datetime] = []

    def slow_page(current: SyncRun) -> None:
        if not beats:
            start = SyncRun.objects.get(pk=current.pk).heartbeat_at
            time.sleep(0.6)
            end = SyncRun.objects.get(pk=current.pk).heartbeat_at
            assert start is not None and end is not None  # a claimed run has beaten
            beats.extend((start, end))

    done = sync_run_execute(run_id=run.pk, on_progress=slow_page)

    assert done is not None and done.status == SyncStatus.SUCCEEDED
    assert beats[1] - beats[0] >= timedelta(seconds=0.3)  # beaten during the wait
    assert not [t for t in threading.enumerate() if t.name.startswith("sync-run-")]


def test_the_watchdog_runs_every_minute_whatever_the_switches():
    entry = app.conf.beat_schedule["amazon1p-sync-watchdog"]
    assert entry["schedule"].minute == set(range(60))
    assert STALE_AFTER + timedelta(minutes=1) <= timedelta(minutes=2)
