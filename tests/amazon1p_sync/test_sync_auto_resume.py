"""A historical import that failed for a temporary reason (Amazon unavailable past every
retry, the broker refusing its task, no worker for an hour) resumes from its cursor by
itself: the watchdog re-queues it after a growing delay, a bounded number of times, then it
stays failed with an alert. A refusal (credentials, a bad request) never resumes."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from amazon1p.importing import services
from amazon1p.importing.models import SyncKind, SyncRun, SyncStatus
from amazon1p.importing.pages import RunRecorder, SyncRunLost
from amazon1p.importing.selectors import sync_run_resume_outlook
from amazon1p.importing.services import (
    MAX_ATTEMPTS,
    QUEUE_GIVE_UP,
    sync_run_request,
    sync_run_resume,
    sync_runs_resume_due,
    sync_runs_watchdog,
)
from amazon1p.importing.sync import (
    AUTO_RESUME_DELAYS,
    STALE_AFTER,
    sync_run_execute,
    sync_run_fail,
)
from amazon1p.importing.tasks import amazon1p_sync_run_task
from amazon1p.spapi.client import ApiAccess, RetryPolicy, VendorClient
from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.ratelimit import LocalRateLimiter
from amazon1p.spapi.types import Credentials
from amazon1p.tasks import amazon1p_sync_watchdog_task
from shops.models import Alert, AlertSeverity
from tests.support.amazon import GOOD, days_ago, last_seq, vendor_calls, vendor_client_for
from tests.support.web import web_client_for

pytestmark = pytest.mark.django_db

FAILED_AT = "Amazon stayed unavailable, no retry is left: Amazon failed"


@pytest.fixture
def handed(monkeypatch) -> list[int]:
    """The runs handed to a worker (the task is not sent: each test runs the sync itself)."""
    runs: list[int] = []
    monkeypatch.setattr(services, "_hand_to_worker", runs.append)
    return runs


def historical(shop, start: datetime | None = None, end: datetime | None = None) -> SyncRun:
    run, created = sync_run_request(
        shop=shop,
        kind=SyncKind.HISTORICAL,
        range_from=start or days_ago(4),
        range_to=end or days_ago(1),
        enqueue=False,
    )
    assert created
    return run


def failed_by_outage(run: SyncRun) -> SyncRun:
    """The run, as the last retry of an Amazon outage leaves it."""
    SyncRun.objects.filter(pk=run.pk).update(status=SyncStatus.RUNNING, attempts=run.attempts + 1)
    run.refresh_from_db()
    return sync_run_fail(run, f"{FAILED_AT} (HTTP 503)", fence=run.attempts, transient=True)


def make_due(run: SyncRun) -> None:
    SyncRun.objects.filter(pk=run.pk).update(resume_due_at=timezone.now() - timedelta(seconds=1))
    run.refresh_from_db()


def test_historical_import_failed_after_every_retry_resumes_from_its_cursor_by_itself(
    connected, shop, sim, handed, admin_user, django_capture_on_commit_callbacks
):
    run = historical(shop)  # three one-day windows

    def outage_after_the_first_window(progress: SyncRun) -> None:
        if SyncRun.objects.get(pk=progress.pk).windows_done == 1:
            sim.simulator.update_config({"error_rate": 1.0})

    with vendor_client_for(sim) as client:  # the task's last retry: no retry is left
        failed = sync_run_execute(
            run_id=run.pk, client=client, on_progress=outage_after_the_first_window, final=True
        )

    assert failed is not None and failed.status == SyncStatus.FAILED
    assert failed.error.startswith(FAILED_AT) and failed.transient_failure
    assert failed.windows_done == 1 and failed.resume_from == failed.range_from + timedelta(days=1)
    due_in = failed.resume_due_at - failed.finished_at
    assert due_in == AUTO_RESUME_DELAYS[0] == timedelta(minutes=5)
    alert = Alert.objects.get(shop=shop, message__contains=f"run #{run.pk} failed")
    assert alert.severity == AlertSeverity.WARNING
    assert f"It resumes by itself from {failed.resume_from:%Y-%m-%d %H:%M} UTC at " in alert.message
    assert "(automatic resume 1 of 6)" in alert.message

    owner = web_client_for(admin_user)
    detail = owner.get(reverse("amazon1p:sync-run-detail", args=[shop.pk, run.pk]))
    assert (
        f"The failure was temporary: it resumes by itself from {failed.resume_from:%Y-%m-%d %H:%M}"
        f" UTC at {failed.resume_due_at:%Y-%m-%d %H:%M} UTC (automatic resume 1 of 6)."
    ) in detail.content.decode()
    listing = owner.get(reverse("amazon1p:sync-run-list", args=[shop.pk])).content.decode()
    assert f"Resumes by itself at {failed.resume_due_at:%Y-%m-%d %H:%M} UTC" in listing

    assert sync_runs_resume_due() == 0  # not due yet
    make_due(failed)
    with django_capture_on_commit_callbacks(execute=True):
        assert amazon1p_sync_watchdog_task.apply().get() == {
            "handed_over": 0,
            "failed": 0,
            "resumed": 1,
        }
    assert handed == [run.pk]
    resumed = SyncRun.objects.get(pk=run.pk)
    assert resumed.status == SyncStatus.QUEUED and resumed.finished_at is None
    assert resumed.error.startswith(
        f"Resumed automatically (1 of 6) from {failed.resume_from:%Y-%m-%d %H:%M} UTC after: "
        f"{FAILED_AT}"
    )
    assert (resumed.auto_resumes, resumed.resume_due_at) == (1, None)
    assert not resumed.transient_failure
    assert sync_runs_resume_due() == 0  # twice: nothing more to do

    sim.simulator.update_config({"error_rate": 0})
    since = last_seq(sim)
    with vendor_client_for(sim) as client:
        done = sync_run_execute(run_id=run.pk, client=client)

    assert done is not None and done.status == SyncStatus.SUCCEEDED, done and done.error
    assert done.windows_done == done.windows_total == 3 and done.error == ""
    assert done.attempts == 2 and done.attempts_at_resume == 1
    read_from = {c["query"].get("createdAfter") for c in vendor_calls(sim, since)} - {None}
    assert read_from and min(read_from) >= f"{failed.resume_from:%Y-%m-%dT%H:%M}"  # not again
    assert sync_run_resume_outlook(done) == "Resumed automatically once after a temporary failure."
    page = owner.get(reverse("amazon1p:sync-run-detail", args=[shop.pk, run.pk]))
    assert "Resumed automatically once after a temporary failure." in page.content.decode()


def test_a_refused_historical_import_does_not_resume(connected, shop, sim, handed):
    run = historical(shop)
    revoked = Credentials(GOOD.lwa_client_id, GOOD.lwa_client_secret, "Atzr|revoked-token")
    access = ApiAccess(
        account_key="revoked", endpoint=Endpoint.custom(sim.base_url), credentials=revoked
    )
    retry = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05)
    with VendorClient(access, rate_limiter=LocalRateLimiter(), retry=retry, timeout=10) as client:
        failed = sync_run_execute(run_id=run.pk, client=client, final=True)

    assert failed is not None and failed.status == SyncStatus.FAILED
    assert failed.error.startswith("Login with Amazon refused the refresh token (invalid_grant)")
    assert not failed.transient_failure and failed.resume_due_at is None
    assert Alert.objects.get(shop=shop).severity == AlertSeverity.ERROR
    SyncRun.objects.filter(pk=run.pk).update(finished_at=timezone.now() - timedelta(days=1))
    assert sync_runs_resume_due() == 0 and handed == []
    assert not sync_run_resume(failed)
    assert sync_run_resume_outlook(failed) == ""


def test_resumes_back_off_and_end_with_an_alert_once_spent(connected, shop, handed):
    run = historical(shop)
    delays = []
    for number in range(1, len(AUTO_RESUME_DELAYS) + 1):
        run = failed_by_outage(run)
        delays.append(run.resume_due_at - run.finished_at)
        assert f"(automatic resume {number} of 6)" in sync_run_resume_outlook(run)
        make_due(run)
        assert sync_runs_resume_due() == 1
        run.refresh_from_db()
        assert run.status == SyncStatus.QUEUED and run.auto_resumes == number

    run = failed_by_outage(run)

    assert delays == [
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=3),
        timedelta(hours=6),
        timedelta(hours=12),
    ]
    assert run.status == SyncStatus.FAILED and run.resume_due_at is None
    assert run.transient_failure and run.auto_resumes == 6
    assert sync_runs_resume_due() == 0
    last = Alert.objects.filter(shop=shop).order_by("pk").last()
    assert last.severity == AlertSeverity.ERROR
    assert "No automatic resume is left (6 were tried)" in last.message
    assert sync_run_resume_outlook(run).startswith("No automatic resume is left")
    assert run.attempts == 7  # one claim each time; never reset (the fencing token)


def test_two_watchdogs_resume_a_run_once(
    connected, shop, handed, django_capture_on_commit_callbacks
):
    run = failed_by_outage(historical(shop))
    make_due(run)
    first, second = SyncRun.objects.get(pk=run.pk), SyncRun.objects.get(pk=run.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert sync_run_resume(first) is True
        assert sync_run_resume(second) is False  # what the other watchdog read is gone

    assert handed == [run.pk]
    assert SyncRun.objects.get(pk=run.pk).auto_resumes == 1


def test_after_a_resume_a_worker_of_the_failed_claim_writes_nothing(
    connected, shop, sim, handed, django_capture_on_commit_callbacks
):
    run = failed_by_outage(historical(shop))
    old_fence = run.attempts
    make_due(run)
    assert sync_runs_resume_due() == 1
    resumed = SyncRun.objects.get(pk=run.pk)
    assert resumed.attempts == old_fence  # a resume is not a claim, and never resets one
    with vendor_client_for(sim) as client:
        stale = RunRecorder(resumed, client)  # a worker still holding the failed claim
        with django_capture_on_commit_callbacks(execute=True):
            claimed = sync_run_execute(run_id=run.pk, client=client)  # the resumed run's claim
        assert claimed is not None and claimed.attempts == old_fence + 1
        with pytest.raises(SyncRunLost):
            stale.window_done(days_ago(3))
    run.refresh_from_db()
    assert run.windows_done == run.windows_total == 3


def test_claims_are_counted_from_the_last_resume(connected, shop, handed):
    """A resumed run that already used many claims is not given up at its first stall."""
    run = failed_by_outage(historical(shop))
    SyncRun.objects.filter(pk=run.pk).update(attempts=MAX_ATTEMPTS)
    make_due(run)
    assert sync_runs_resume_due() == 1
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncStatus.RUNNING,
        attempts=MAX_ATTEMPTS + 1,
        heartbeat_at=timezone.now() - STALE_AFTER - timedelta(seconds=5),
    )

    assert sync_runs_watchdog() == (1, 0)  # interrupted and handed over, not given up
    assert SyncRun.objects.get(pk=run.pk).status == SyncStatus.INTERRUPTED


def test_a_resume_waits_while_another_historical_import_of_the_shop_is_active(
    connected, shop, handed
):
    run = failed_by_outage(historical(shop))
    make_due(run)
    other = historical(shop, days_ago(30), days_ago(20))

    assert sync_runs_resume_due() == 0
    assert SyncRun.objects.get(pk=run.pk).status == SyncStatus.FAILED

    SyncRun.objects.filter(pk=other.pk).update(status=SyncStatus.SUCCEEDED)
    assert sync_runs_resume_due() == 1


def test_a_historical_import_the_broker_refused_resumes_once_it_is_back(
    connected, shop, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(amazon1p_sync_run_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        run, _ = sync_run_request(
            shop=shop, kind=SyncKind.HISTORICAL, range_from=days_ago(4), range_to=days_ago(1)
        )

    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and run.transient_failure
    assert run.error.startswith("The run could not be handed to a worker (OperationalError")
    assert run.resume_due_at is not None

    sent: list[tuple] = []
    monkeypatch.setattr(
        amazon1p_sync_run_task, "apply_async", lambda args=(), kwargs=None, **_: sent.append(args)
    )
    make_due(run)
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_runs_resume_due() == 1
    assert sent == [(run.pk,)]


def test_a_historical_import_no_worker_took_resumes_later(connected, shop, handed):
    run = historical(shop)
    SyncRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - QUEUE_GIVE_UP - timedelta(minutes=1)
    )

    assert sync_runs_watchdog() == (0, 1)

    run.refresh_from_db()
    assert run.status == SyncStatus.FAILED and run.error.startswith("No worker took the run")
    assert run.transient_failure and run.resume_due_at is not None


def test_a_run_whose_workers_keep_dying_does_not_resume(connected, shop, handed):
    run = historical(shop)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncStatus.RUNNING,
        attempts=MAX_ATTEMPTS,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )

    assert sync_runs_watchdog() == (0, 1)

    run.refresh_from_db()
    assert run.error.startswith(f"Given up after {MAX_ATTEMPTS} attempts: its worker stopped")
    assert not run.transient_failure and run.resume_due_at is None


def test_other_kinds_fail_without_a_resume(connected, shop, handed):
    """Their next run covers the gap from the cursor."""
    run, _ = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
    failed = failed_by_outage(run)

    assert failed.transient_failure and failed.resume_due_at is None
    assert Alert.objects.get(shop=shop).severity == AlertSeverity.ERROR


def test_a_new_import_covering_what_is_left_replaces_the_pending_resume(connected, shop, handed):
    nine_days_ago = days_ago(9)
    covered = failed_by_outage(historical(shop, days_ago(10), days_ago(8)))
    SyncRun.objects.filter(pk=covered.pk).update(resume_from=nine_days_ago)
    elsewhere = failed_by_outage(historical(shop, days_ago(40), days_ago(35)))

    new = historical(shop, nine_days_ago, days_ago(2))

    covered.refresh_from_db()
    elsewhere.refresh_from_db()
    assert covered.resume_due_at is None and not covered.transient_failure
    assert covered.error.endswith(
        f"Not resumed: historical import #{new.pk} covers the rest of its range."
    )
    assert elsewhere.resume_due_at is not None  # days the new import does not read
    assert sync_run_resume_outlook(covered) == ""
