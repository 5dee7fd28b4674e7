"""A staff member re-queues a stuck sync run from the Operations page, under the CSP."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from amazon1p import tasks as amazon1p_tasks
from amazon1p.importing.models import SyncRun
from shops.models import AuditEntry
from tests.support.factories import UserFactory
from tests.support.ops import run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_requeue_a_stuck_run_from_the_operations_page(
    live_server,
    shop,
    settings,
    monkeypatch,
    browser_page,
):
    settings.OPS_PING_TIMEOUT = 0.2
    sent: list[tuple] = []
    monkeypatch.setattr(
        amazon1p_tasks.amazon1p_sync_run_task,
        "apply_async",
        lambda args=(), kwargs=None, **_: sent.append(args),
    )
    staff = UserFactory(username="ops-staff", is_staff=True)
    stuck = run(shop, status="running")
    SyncRun.objects.filter(pk=stuck.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    page = browser_page
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", staff.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.get_by_role("link", name="Operations").click()
    row = page.get_by_test_id("stuck-run")
    expect(row).to_contain_text(f"#{stuck.pk}")
    row.get_by_role("button", name="Re-queue").click()

    expect(page.get_by_text(f"Sync run #{stuck.pk} handed to a worker again.")).to_be_visible()
    assert sent == [(stuck.pk,)]
    assert AuditEntry.objects.filter(action="ops.sync_run.requeue", actor=staff).count() == 1
    assert violations == []
