"""The sync-runs page, its buttons and the amazon1p_sync command."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from amazon1p.importing.models import SyncKind, SyncRun, SyncRunError, SyncStatus
from orders.models import Order

pytestmark = pytest.mark.django_db


def list_url(shop):
    return reverse("amazon1p:sync-run-list", kwargs={"shop_id": shop.pk})


def detail_url(shop, run=None):
    kwargs = {"shop_id": shop.pk, **({"run_id": run.pk} if run else {})}
    return reverse("amazon1p:sync-run-detail", kwargs=kwargs)


def make_run(shop, **fields) -> SyncRun:
    defaults = {"kind": SyncKind.NEW, "status": SyncStatus.SUCCEEDED}
    return SyncRun.objects.create(shop=shop, **{**defaults, **fields})


def test_list_shows_runs_health_and_buttons_within_a_query_budget(admin_client, shop):
    for _ in range(30):
        make_run(shop, new_count=3, api_calls=7, throttled=1)
    make_run(shop, status=SyncStatus.FAILED, error="LWA refused")
    with CaptureQueriesContext(db_connection) as queries:
        response = admin_client.get(list_url(shop))
    assert response.status_code == 200
    assert len(queries) <= 14
    page = response.content.decode()
    assert "Failing" in page and "Sync now" in page and "Import history" in page
    assert "hx-trigger" not in page  # nothing active, nothing to poll


def test_list_polls_while_a_run_is_active(viewer_client, shop):
    make_run(shop, status=SyncStatus.RUNNING, heartbeat_at=timezone.now(), windows_total=4)
    page = viewer_client.get(list_url(shop)).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Running" in page
    assert "Sync now" not in page  # viewers may look, not sync
    fragment = viewer_client.get(list_url(shop), HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="sync-runs"') and "<html" not in fragment


def test_detail_shows_counts_and_per_po_errors(viewer_client, shop):
    run = make_run(shop, status=SyncStatus.PARTIAL, failed_count=1, api_calls=12)
    SyncRunError.objects.create(run=run, po_number="4X7KQ1", message="orderDetails.items: missing")
    page = viewer_client.get(detail_url(shop, run)).content.decode()
    assert "4X7KQ1" in page and "orderDetails.items: missing" in page and "12" in page
    latest = viewer_client.get(detail_url(shop)).content.decode()
    assert f"run #{run.pk}" in latest


def test_detail_of_another_shops_run_is_404(admin_client, shop, other_shop):
    theirs = make_run(other_shop)
    assert admin_client.get(detail_url(shop, theirs)).status_code == 404


def test_sync_now_without_a_connection_says_so_and_queues_nothing(admin_client, shop):
    response = admin_client.post(reverse("amazon1p:sync-now", kwargs={"shop_id": shop.pk}))
    assert response.status_code == 302
    assert not SyncRun.objects.filter(shop=shop).exists()
    page = admin_client.get(response.url).content.decode()
    assert "Turn the Amazon 1P connection on" in page


def test_import_history_queues_a_historical_run(admin_client, shop, connected):
    today = timezone.now().date()
    url = reverse("amazon1p:import-history", kwargs={"shop_id": shop.pk})
    data = {"date_from": today - timedelta(days=30), "date_to": today - timedelta(days=20)}
    assert admin_client.post(url, data).status_code == 302
    run = SyncRun.objects.get(shop=shop)
    assert run.kind == SyncKind.HISTORICAL and run.status == SyncStatus.QUEUED
    assert run.range_from.date() == data["date_from"]
    assert run.range_to.date() == data["date_to"] + timedelta(days=1)


def test_import_history_rejects_a_reversed_range(admin_client, shop, connected):
    today = timezone.now().date()
    url = reverse("amazon1p:import-history", kwargs={"shop_id": shop.pk})
    response = admin_client.post(url, {"date_from": today, "date_to": today - timedelta(days=3)})
    assert response.status_code == 302 and not SyncRun.objects.exists()
    assert "must not be after" in admin_client.get(response.url).content.decode()


def test_command_runs_one_sync_in_the_foreground(connected, shop):
    today = timezone.now().date()
    out = StringIO()
    call_command(
        "amazon1p_sync",
        str(shop.pk),
        "--kind",
        "new",
        "--since",
        str(today - timedelta(days=1)),
        "--until",
        str(today),
        stdout=out,
    )
    text = out.getvalue()
    assert "windows" in text and "Succeeded" in text
    run = SyncRun.objects.get(shop=shop)
    assert run.status == SyncStatus.SUCCEEDED and Order.objects.filter(shop=shop).exists()


def test_command_exits_non_zero_when_the_run_fails(connected, shop):
    connected.lwa_client_id = ""
    connected.save()
    with pytest.raises(CommandError, match="failed"):
        call_command("amazon1p_sync", shop.name, "--kind", "missing", stdout=StringIO())
