"""The sync-runs pages show a run's real duration: seconds for short runs, minutes and
seconds after that, and the time so far for a run still going."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from amazon1p.importing.models import SyncKind, SyncRun, SyncStatus
from amazon1p.templatetags.amazon1p_sync import format_duration

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "–"),
        (0, "0 s"),
        (0.9, "0 s"),
        (42, "42 s"),
        (60, "1 min"),
        (185, "3 min 5 s"),
        (3600, "1 h"),
        (7440, "2 h 4 min"),
    ],
)
def test_durations_read_as_people_say_them(seconds, shown):
    assert format_duration(None if seconds is None else timedelta(seconds=seconds)) == shown


def run_started(shop, seconds_ago: float, *, took: float | None, status=SyncStatus.SUCCEEDED):
    started = timezone.now() - timedelta(seconds=seconds_ago)
    finished = started + timedelta(seconds=took) if took is not None else None
    return SyncRun.objects.create(
        shop=shop, kind=SyncKind.NEW, status=status, started_at=started, finished_at=finished
    )


def test_list_and_detail_show_seconds_minutes_and_time_so_far(admin_client, shop):
    short = run_started(shop, 4000, took=42)
    longer = run_started(shop, 3000, took=185, status=SyncStatus.FAILED)
    running = run_started(shop, 90, took=None, status=SyncStatus.RUNNING)

    page = admin_client.get(reverse("amazon1p:sync-run-list", kwargs={"shop_id": shop.pk}))
    html = page.content.decode()

    assert '<td class="num">42 s</td>' in html
    assert '<td class="num">3 min 5 s</td>' in html
    assert re.search(r'<td class="num">1 min 3\d s so far</td>', html)  # started 90 s ago
    assert "0 minutes" not in html

    for run, shown in ((short, "42 s"), (longer, "3 min 5 s"), (running, r"1 min 3\d s so far")):
        url = reverse("amazon1p:sync-run-detail", kwargs={"shop_id": shop.pk, "run_id": run.pk})
        assert re.search(f'<td class="duration">{shown}', admin_client.get(url).content.decode())


def test_a_run_not_started_has_no_duration(admin_client, shop):
    SyncRun.objects.create(shop=shop, kind=SyncKind.NEW)

    page = admin_client.get(reverse("amazon1p:sync-run-list", kwargs={"shop_id": shop.pk}))

    assert '<td class="num">–</td>' in page.content.decode()
