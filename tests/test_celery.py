"""Celery wiring: the beat schedule names real tasks, and a real worker on Redis runs them."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from shopctrl.celery import app
from shops.models import Alert, AlertSeverity
from shops.services import alert_raise


def test_beat_schedule_names_registered_tasks():
    app.loader.import_default_modules()
    assert app.conf.beat_schedule
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_tests_use_the_redis_broker():
    assert settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_the_purge_task_twice_safely(shop):
    stale = alert_raise(shop=shop, severity=AlertSeverity.INFO, message="stale")
    Alert.objects.filter(pk=stale.pk).update(
        is_read=True, read_at=timezone.now() - timedelta(days=400)
    )
    kept = alert_raise(shop=shop, severity=AlertSeverity.INFO, message="kept")

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        for _ in range(2):  # an overlapping second run must be harmless
            app.send_task("shops.tasks.alert_purge_read")
        deadline = time.monotonic() + 20
        while Alert.objects.filter(pk=stale.pk).exists() and time.monotonic() < deadline:
            time.sleep(0.1)

    assert list(Alert.objects.values_list("pk", flat=True)) == [kept.pk]


def test_receiving_sync_runs_every_configured_minutes():
    from shopctrl.celery import receiving_sync_schedule

    def minutes(schedule) -> list[int]:
        return sorted(schedule.minute)

    assert minutes(receiving_sync_schedule(5)) == [3, 8, 13, 18, 23, 28, 33, 38, 43, 48, 53, 58]
    assert minutes(receiving_sync_schedule(1)) == list(range(60))
    assert minutes(receiving_sync_schedule(2)) == list(range(1, 60, 2))


def _beat_schedule_with(value: str) -> subprocess.CompletedProcess:
    """A fresh process (settings are read once) with RECEIVING_SYNC_MINUTES=value."""
    env = {**os.environ, "DJANGO_DEBUG": "true", "RECEIVING_SYNC_MINUTES": value}
    script = (
        "from shopctrl.celery import app; "
        "print(sorted(app.conf.beat_schedule['receiving-sync']['schedule'].minute))"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_demo_reads_receipts_every_minute_and_bad_intervals_are_refused():
    demo = (Path(settings.BASE_DIR) / "bin/demo").read_text()
    assert 'export RECEIVING_SYNC_MINUTES="${RECEIVING_SYNC_MINUTES:-1}"' in demo

    every_minute = _beat_schedule_with("1")
    assert every_minute.returncode == 0, every_minute.stderr
    assert every_minute.stdout.strip() == str(list(range(60)))

    refused = _beat_schedule_with("7")
    assert refused.returncode != 0
    assert "RECEIVING_SYNC_MINUTES must divide 60" in refused.stderr
