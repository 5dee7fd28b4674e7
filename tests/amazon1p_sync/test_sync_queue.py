"""Requests are queued, not dropped: a sync of another kind asked for while one runs is kept
and runs after it; one run of a shop runs at a time; a dead run is Interrupted and resumed."""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection as db_connection
from django.urls import reverse
from django.utils import timezone

from amazon1p.importing import services, sync
from amazon1p.importing.models import SyncKind, SyncRun, SyncStatus
from amazon1p.importing.services import sync_run_request, sync_runs_watchdog
from amazon1p.importing.sync import (
    STALE_AFTER,
    sync_run_execute,
    sync_run_next_waiting,
    sync_run_waiting_behind,
)
from amazon1p.importing.tasks import WAIT_POLL, amazon1p_sync_run_task
from orders.models import Order
from tests.support.amazon import days_ago, vendor_client_for
from tests.support.sync import simulator_numbers

pytestmark = pytest.mark.django_db


def _historical(shop, **kwargs: Any) -> tuple[SyncRun, bool]:
    return sync_run_request(
        shop=shop,
        kind=SyncKind.HISTORICAL,
        range_from=days_ago(4),
        range_to=days_ago(2),
        enqueue=False,
        **kwargs,
    )


def test_a_historical_request_while_a_new_run_runs_is_kept_and_runs_after_it(connected, shop, sim):
    new, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=days_ago(1), range_to=days_ago(0), enqueue=False
    )
    seen: dict[str, Any] = {}

    def ask_for_history_meanwhile(current: SyncRun) -> None:
        if "historical" in seen:
            return
        historical, created = _historical(shop)
        seen["historical"], seen["created"] = historical, created
        # A worker takes the historical run's task now: it must wait, not run beside.
        with vendor_client_for(sim) as client:
            seen["claimed"] = sync_run_execute(run_id=historical.pk, client=client)
        historical.refresh_from_db()
        seen["status"], seen["behind"] = historical.status, sync_run_waiting_behind(historical)
        seen["stamped"] = historical.heartbeat_at

    with vendor_client_for(sim) as client:
        done = sync_run_execute(run_id=new.pk, client=client, on_progress=ask_for_history_meanwhile)

    assert done is not None and done.status == SyncStatus.SUCCEEDED, done and done.error
    historical = seen["historical"]
    assert seen["created"] and historical.pk != new.pk
    assert seen["claimed"] is None and seen["status"] == SyncStatus.QUEUED
    assert seen["behind"] == new and seen["stamped"] is not None  # a worker saw it wait

    assert sync_run_next_waiting(shop.pk) == historical  # the ending run hands it over
    with vendor_client_for(sim) as client:
        after = sync_run_execute(run_id=historical.pk, client=client)

    assert after is not None and after.status == SyncStatus.SUCCEEDED, after and after.error
    assert after.attempts == 1 and after.started_at >= done.finished_at
    expected = simulator_numbers(sim, new.range_from, new.range_to) | simulator_numbers(
        sim, historical.range_from, historical.range_to
    )
    assert set(Order.objects.filter(shop=shop).values_list("number", flat=True)) == expected
    assert sync_run_next_waiting(shop.pk) is None


def test_two_requests_of_the_same_kind_give_one_run_while_another_kind_waits(connected, shop):
    running, _ = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
    SyncRun.objects.filter(pk=running.pk).update(
        status=SyncStatus.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )

    first, created = _historical(shop)
    second, again = _historical(shop)
    changed, changed_created = sync_run_request(shop=shop, kind=SyncKind.CHANGED, enqueue=False)
    new_again, new_created = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)

    assert created and not again and second == first
    assert changed_created and not new_created and new_again == running
    assert sync_run_waiting_behind(first) == running == sync_run_waiting_behind(changed)
    assert SyncRun.objects.filter(shop=shop).count() == 3
    assert sync_run_next_waiting(shop.pk) is None  # the shop's run is still running
    SyncRun.objects.filter(pk=running.pk).update(status=SyncStatus.SUCCEEDED)
    assert sync_run_next_waiting(shop.pk) == first  # the oldest waiting run goes first


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_one_runs_one_waits(connected, shop):
    new, _ = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
    historical, _ = _historical(shop)
    start = threading.Barrier(2)
    claims: dict[int, SyncRun | None] = {}

    def worker(run_id: int) -> None:
        try:
            start.wait()
            claims[run_id] = sync._claim(run_id)
        finally:
            db_connection.close()  # this thread's own

    threads = [threading.Thread(target=worker, args=(pk,)) for pk in (new.pk, historical.pk)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    won = [pk for pk, claim in claims.items() if claim is not None]
    assert len(won) == 1
    runs = {run.pk: run for run in SyncRun.objects.filter(shop=shop)}
    (waiting,) = (run for pk, run in runs.items() if pk not in won)
    assert runs[won[0]].status == SyncStatus.RUNNING and runs[won[0]].attempts == 1
    assert waiting.status == SyncStatus.QUEUED and waiting.attempts == 0
    assert sync_run_waiting_behind(waiting) == runs[won[0]]


def test_the_task_of_a_waiting_run_asks_again_and_the_ending_run_hands_over(
    connected, shop, monkeypatch
):
    sent: list[tuple[Any, Any]] = []

    def send(args: Any = None, kwargs: Any = None, **options: Any) -> None:
        sent.append((tuple(args), options.get("countdown")))

    monkeypatch.setattr(amazon1p_sync_run_task, "apply_async", send)
    new, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=days_ago(1), range_to=days_ago(0), enqueue=False
    )
    historical, _ = _historical(shop)
    SyncRun.objects.filter(pk=new.pk).update(status=SyncStatus.RUNNING, heartbeat_at=timezone.now())

    assert amazon1p_sync_run_task.apply(args=[historical.pk]).get() == "waiting"
    assert sent == [((historical.pk,), WAIT_POLL.total_seconds())]

    SyncRun.objects.filter(pk=new.pk).update(status=SyncStatus.QUEUED)  # now a worker runs it
    sent.clear()
    assert amazon1p_sync_run_task.apply(args=[new.pk]).get() == SyncStatus.SUCCEEDED
    assert sent == [((historical.pk,), None)]  # handed over at once

    assert amazon1p_sync_run_task.apply(args=[historical.pk]).get() == SyncStatus.SUCCEEDED
    assert amazon1p_sync_run_task.apply(args=[historical.pk]).get() == "skipped"


def test_a_run_waiting_behind_a_long_run_is_neither_resent_nor_given_up(
    connected, shop, monkeypatch
):
    handed: list[int] = []
    monkeypatch.setattr(services, "_hand_to_worker", handed.append)
    running, _ = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
    SyncRun.objects.filter(pk=running.pk).update(
        status=SyncStatus.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )
    historical, _ = _historical(shop)
    SyncRun.objects.filter(pk=historical.pk).update(created_at=timezone.now() - timedelta(hours=3))

    assert sync_run_execute(run_id=historical.pk) is None  # its task looks: still behind
    assert sync_runs_watchdog() == (0, 0) and handed == []

    historical.refresh_from_db()
    assert historical.status == SyncStatus.QUEUED
    # Its task was lost and the running run ended without handing it over: the watchdog
    # sends it again within minutes.
    SyncRun.objects.filter(pk=running.pk).update(status=SyncStatus.SUCCEEDED)
    SyncRun.objects.filter(pk=historical.pk).update(
        heartbeat_at=timezone.now() - services.QUEUED_RESEND_AFTER - timedelta(seconds=1)
    )
    assert sync_runs_watchdog() == (1, 0) and handed == [historical.pk]


def test_an_interrupted_run_is_resumed_and_waits_its_turn_like_a_queued_one(
    connected, shop, sim, monkeypatch
):
    monkeypatch.setattr(services, "_hand_to_worker", lambda run_id: None)
    historical, _ = _historical(shop)
    SyncRun.objects.filter(pk=historical.pk).update(
        status=SyncStatus.RUNNING,
        attempts=1,
        started_at=timezone.now() - timedelta(minutes=5),
        heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=5),
    )
    assert sync_runs_watchdog() == (1, 0)
    historical.refresh_from_db()
    assert historical.status == SyncStatus.INTERRUPTED and historical.is_active

    # Asked for again, it is the same run; a new run claims the shop's slot first.
    again, created = _historical(shop)
    assert not created and again == historical
    new, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=days_ago(1), range_to=days_ago(0), enqueue=False
    )
    SyncRun.objects.filter(pk=new.pk).update(status=SyncStatus.RUNNING, heartbeat_at=timezone.now())
    assert sync_run_execute(run_id=historical.pk) is None
    historical.refresh_from_db()
    assert historical.status == SyncStatus.INTERRUPTED
    assert sync_run_waiting_behind(historical) == new

    SyncRun.objects.filter(pk=new.pk).update(status=SyncStatus.SUCCEEDED)
    with vendor_client_for(sim) as client:
        resumed = sync_run_execute(run_id=historical.pk, client=client)
    assert resumed is not None and resumed.status == SyncStatus.SUCCEEDED
    assert resumed.attempts == 2 and resumed.error == ""


def test_pages_show_what_a_run_waits_behind_and_why_a_run_was_interrupted(admin_client, shop):
    running = SyncRun.objects.create(
        shop=shop, kind=SyncKind.NEW, status=SyncStatus.RUNNING, heartbeat_at=timezone.now()
    )
    waiting = SyncRun.objects.create(
        shop=shop,
        kind=SyncKind.HISTORICAL,
        status=SyncStatus.INTERRUPTED,
        error="Interrupted: its worker stopped (last heartbeat 10:00:00 UTC); resuming from "
        "2026-11-01 00:00 UTC.",
    )

    listing = admin_client.get(
        reverse("amazon1p:sync-run-list", kwargs={"shop_id": shop.pk})
    ).content.decode()
    detail = admin_client.get(
        reverse("amazon1p:sync-run-detail", kwargs={"shop_id": shop.pk, "run_id": waiting.pk})
    ).content.decode()
    own = admin_client.get(
        reverse("amazon1p:sync-run-detail", kwargs={"shop_id": shop.pk, "run_id": running.pk})
    ).content.decode()

    for page in (listing, detail):
        assert "Queued behind run <a href=" in page and f">#{running.pk}</a> (new orders)" in page
        assert "Interrupted" in page and "its worker stopped (last heartbeat 10:00:00" in page
    assert 'hx-trigger="every 2s"' in detail  # an interrupted run is active: it polls
    assert "Queued behind" not in own
