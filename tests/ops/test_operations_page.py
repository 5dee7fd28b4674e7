"""The Operations page: staff only; shows what is stuck and re-queues it (POST, audited)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amazon1p import tasks as amazon1p_tasks
from amazon1p.importing.models import SyncRun
from invoicing import tasks as invoicing_tasks
from ops.tasks import beat_tick_task
from shops.models import AuditEntry
from tests.support.factories import UserFactory
from tests.support.ops import acknowledgement, invoice_submission, run
from tests.support.web import web_client_for


@pytest.fixture
def staff(db):
    return UserFactory(username="ops-staff", is_staff=True)


@pytest.fixture
def queued(monkeypatch):
    """Tasks sent to the broker, by name and arguments (the broker itself is not asserted)."""
    sent: list[tuple[str, tuple]] = []
    for task in (
        amazon1p_tasks.amazon1p_sync_run_task,
        amazon1p_tasks.acknowledgement_send_task,
        amazon1p_tasks.acknowledgement_check_task,
        invoicing_tasks.invoice_send_task,
        invoicing_tasks.invoice_check_task,
    ):
        monkeypatch.setattr(
            task, "apply_async", lambda args=(), kw=None, t=task, **_: sent.append((t.name, args))
        )
    return sent


def stale_run(shop) -> SyncRun:
    made = run(shop, status="running")
    SyncRun.objects.filter(pk=made.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=30))
    return made


def test_operations_page_is_for_staff_only(shop, admin_user, viewer_user, client):
    page = reverse("ops:operations")
    assert client.get(page).status_code == 302  # to sign in
    assert web_client_for(viewer_user).get(page).status_code == 403
    assert web_client_for(admin_user).get(page).status_code == 403  # a shop owner is not staff
    sync_run = stale_run(shop)
    response = web_client_for(admin_user).post(reverse("ops:run-requeue", args=[sync_run.pk]))
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="ops.").exists()


def test_operations_page_shows_health_queues_and_what_is_stuck(shop, staff, settings):
    settings.OPS_PING_TIMEOUT = 0.2  # no worker runs in the tests
    beat_tick_task()
    stuck = stale_run(shop)
    alive = run(shop, kind="changed", status="succeeded")
    ack = acknowledgement(shop, "PO-STUCK", status="submitted", minutes_ago=45)
    acknowledgement(shop, "PO-FRESH", status="pending", minutes_ago=0)

    response = web_client_for(staff).get(reverse("ops:operations"))

    assert response.status_code == 200
    assert [r.pk for r in response.context["stuck_runs"]] == [stuck.pk]
    assert alive.pk not in [r.pk for r in response.context["stuck_runs"]]
    assert [r.message.pk for r in response.context["stuck_outbox"]] == [ack.pk]
    html = response.content.decode()
    assert reverse("ops:run-requeue", args=[stuck.pk]) in html
    assert reverse("ops:acknowledgement-requeue", args=[ack.pk]) in html
    assert 'data-testid="queue-celery"' in html
    assert "No worker answered" in html
    assert response.context["checks"]["beat"] == "ok"
    assert "<script>" not in html and " onclick=" not in html


def test_requeue_a_stuck_run_sends_its_task_and_is_audited(
    shop, staff, queued, django_capture_on_commit_callbacks
):
    stuck = stale_run(shop)
    with django_capture_on_commit_callbacks(execute=True):
        response = web_client_for(staff).post(reverse("ops:run-requeue", args=[stuck.pk]))

    assert response.status_code == 302
    assert queued == [("amazon1p.tasks.amazon1p_sync_run", (stuck.pk,))]
    entry = AuditEntry.objects.get(action="ops.sync_run.requeue")
    assert (entry.shop_id, entry.actor_id) == (shop.pk, staff.pk)


def test_requeued_stale_run_is_taken_over_by_the_worker(shop, staff, queued):
    """The task the button sends claims the stale run (compare-and-set on the heartbeat)."""
    from amazon1p.importing.sync import sync_run_execute

    stuck = stale_run(shop)
    web_client_for(staff).post(reverse("ops:run-requeue", args=[stuck.pk]))
    sync_run_execute(run_id=stuck.pk)  # what the task does: no connection here → failed
    stuck.refresh_from_db()
    assert stuck.status == "failed"
    assert stuck.heartbeat_at > timezone.now() - timedelta(minutes=1)


def test_requeue_refuses_a_live_run(shop, staff, queued, django_capture_on_commit_callbacks):
    live = run(shop, status="running")
    SyncRun.objects.filter(pk=live.pk).update(heartbeat_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        response = web_client_for(staff).post(
            reverse("ops:run-requeue", args=[live.pk]), follow=True
        )
    assert queued == []
    assert "is not stuck" in response.content.decode()
    assert not AuditEntry.objects.filter(action="ops.sync_run.requeue").exists()


@pytest.mark.parametrize(
    ("status", "task"),
    [
        ("pending", "amazon1p.tasks.acknowledgement_send"),
        ("sending", "amazon1p.tasks.acknowledgement_check"),
        ("submitted", "amazon1p.tasks.acknowledgement_check"),
    ],
)
def test_requeue_a_stuck_acknowledgement_hands_it_to_its_task(
    shop, staff, queued, django_capture_on_commit_callbacks, status, task
):
    ack = acknowledgement(shop, "PO-Q", status=status, minutes_ago=30)
    url = reverse("ops:acknowledgement-requeue", args=[ack.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert web_client_for(staff).post(url).status_code == 302
    assert [name for name, _ in queued] == [task]
    assert queued[0][1][0] == ack.pk
    assert AuditEntry.objects.filter(action="ops.acknowledgement.requeue", shop=shop).count() == 1


def test_requeue_refuses_a_finished_acknowledgement(
    shop, staff, queued, django_capture_on_commit_callbacks
):
    ack = acknowledgement(shop, "PO-DONE", status="success", minutes_ago=30)
    url = reverse("ops:acknowledgement-requeue", args=[ack.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = web_client_for(staff).post(url, follow=True)
    assert queued == []
    assert "nothing to re-queue" in response.content.decode()


def test_requeue_is_post_only(shop, staff):
    stuck = stale_run(shop)
    assert web_client_for(staff).get(reverse("ops:run-requeue", args=[stuck.pk])).status_code == 405


def test_the_sidebar_links_the_operations_page_for_staff_only(shop, staff, admin_user):
    link = reverse("ops:operations")
    assert link in web_client_for(staff).get(reverse("shops:shop-list")).content.decode()
    assert link not in web_client_for(admin_user).get(reverse("shops:shop-list")).content.decode()


@pytest.mark.parametrize(
    ("status", "task"),
    [
        ("pending", "invoicing.tasks.invoice_send"),
        ("submitted", "invoicing.tasks.invoice_check"),
    ],
)
def test_a_stuck_invoice_is_shown_and_handed_to_its_task(
    shop, staff, queued, settings, django_capture_on_commit_callbacks, status, task
):
    settings.OPS_PING_TIMEOUT = 0.2
    sent = invoice_submission(shop, "PO-INV", status=status, minutes_ago=30)
    invoice_submission(shop, "PO-INV-FRESH", status="submitted", minutes_ago=0)
    url = reverse("ops:invoice-requeue", args=[sent.pk])

    page = web_client_for(staff).get(reverse("ops:operations"))
    assert [(r.kind, r.message.pk) for r in page.context["stuck_outbox"]] == [("invoice", sent.pk)]
    assert url in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert web_client_for(staff).post(url).status_code == 302
    assert [name for name, _ in queued] == [task]
    assert queued[0][1][0] == sent.pk
    entry = AuditEntry.objects.get(action="ops.invoice.requeue")
    assert (entry.shop_id, entry.actor_id) == (shop.pk, staff.pk)


def test_requeue_refuses_a_finished_invoice(
    shop, staff, queued, django_capture_on_commit_callbacks
):
    sent = invoice_submission(shop, "PO-INV-DONE", status="success", minutes_ago=30)
    url = reverse("ops:invoice-requeue", args=[sent.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = web_client_for(staff).post(url, follow=True)
    assert queued == []
    assert "nothing to re-queue" in response.content.decode()
    assert web_client_for(staff).get(url).status_code == 405


def test_historical_imports_failed_after_an_outage_are_shown_with_their_next_attempt(
    shop, other_shop, staff
):
    due = timezone.now() + timedelta(minutes=15)
    waiting = run(
        shop,
        kind="historical",
        status="failed",
        transient_failure=True,
        resume_due_at=due,
        auto_resumes=1,
        error="Amazon stayed unavailable, no retry is left: Amazon failed (HTTP 503)",
    )
    spent = run(
        other_shop, kind="historical", status="failed", transient_failure=True, auto_resumes=6
    )
    run(shop, kind="historical", status="failed", error="Login with Amazon refused the token")
    run(
        other_shop, kind="historical", status="failed", transient_failure=True, minutes_ago=8 * 1440
    )
    run(shop, kind="new", status="failed", transient_failure=True)  # its next run covers it

    response = web_client_for(staff).get(reverse("ops:operations"))

    assert [r.pk for r in response.context["failed_imports"]] == [waiting.pk, spent.pk]
    html = response.content.decode()
    assert f"{due:%Y-%m-%d %H:%M} UTC, by itself" in html and "1 of 6" in html
    assert "none left" in html and "6 of 6" in html
    assert reverse("ops:run-requeue", args=[waiting.pk]) in html


def test_an_import_with_no_resume_left_shows_and_resumes_now_audited(
    shop, staff, queued, django_capture_on_commit_callbacks
):
    spent = run(
        shop,
        kind="historical",
        status="failed",
        transient_failure=True,
        auto_resumes=6,
        attempts=9,
        error="No worker took the run in 61 minutes",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = web_client_for(staff).post(
            reverse("ops:run-requeue", args=[spent.pk]), follow=True
        )
        again = web_client_for(staff).post(reverse("ops:run-requeue", args=[spent.pk]), follow=True)

    assert queued == [("amazon1p.tasks.amazon1p_sync_run", (spent.pk,))]  # once
    assert f"Sync run #{spent.pk} handed to a worker again." in response.content.decode()
    assert "is not stuck (queued)" in again.content.decode()  # a double click: once
    spent.refresh_from_db()
    assert spent.status == "queued" and spent.auto_resumes == 0  # automatic resumes anew
    assert spent.error.startswith(f"Resumed by {staff} after: No worker took the run")
    assert spent.attempts == spent.attempts_at_resume == 9
    entry = AuditEntry.objects.get(action="amazon1p.sync.resume")
    assert (entry.shop_id, entry.actor_id) == (shop.pk, staff.pk)


def test_resume_now_refuses_a_refused_import(shop, staff, queued):
    refused = run(shop, kind="historical", status="failed", error="Amazon refused (HTTP 400)")
    response = web_client_for(staff).post(
        reverse("ops:run-requeue", args=[refused.pk]), follow=True
    )
    assert "cannot be resumed" in response.content.decode() and queued == []
    assert SyncRun.objects.get(pk=refused.pk).status == "failed"
