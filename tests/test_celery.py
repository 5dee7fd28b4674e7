"""Celery wiring: the beat schedule names real tasks, and a real worker on Redis runs them."""

import time
from datetime import timedelta

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
