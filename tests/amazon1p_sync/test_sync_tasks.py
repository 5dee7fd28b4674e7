"""The beat fan-out task: one run per enabled shop, harmless when it overlaps itself."""

from datetime import timedelta

import pytest
from django.utils import timezone

from amazon1p.importing.models import SyncKind, SyncRun, SyncStatus
from amazon1p.tasks import amazon1p_sync_due_task
from shopctrl.celery import app

pytestmark = pytest.mark.django_db


def test_beat_schedule_runs_new_changed_and_missing():
    kinds = {
        entry["args"][0]
        for entry in app.conf.beat_schedule.values()
        if entry["task"] == "amazon1p.tasks.amazon1p_sync_due"
    }
    assert kinds == {"new", "changed", "missing"}


def test_due_task_twice_queues_one_run_per_enabled_shop(
    connected, shop, other_shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assert amazon1p_sync_due_task.apply(args=["new"]).get() == 1
        assert amazon1p_sync_due_task.apply(args=["new"]).get() == 0
    assert list(SyncRun.objects.values_list("shop_id", "kind")) == [(shop.pk, SyncKind.NEW)]
    assert len(callbacks) == 1  # the second beat found the run queued and fresh


def test_due_task_skips_shops_whose_switch_is_off(connected, shop):
    connected.import_missing_orders = False
    connected.save()
    assert amazon1p_sync_due_task.apply(args=["missing"]).get() == 0
    connected.import_missing_orders, connected.enabled = True, False
    connected.save()
    assert amazon1p_sync_due_task.apply(args=["missing"]).get() == 0
    assert not SyncRun.objects.exists()


def test_due_task_hands_a_stale_run_to_a_worker_again(
    connected, shop, django_capture_on_commit_callbacks
):
    stale = SyncRun.objects.create(
        shop=shop,
        kind=SyncKind.NEW,
        status=SyncStatus.RUNNING,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    with django_capture_on_commit_callbacks() as callbacks:
        assert amazon1p_sync_due_task.apply(args=["changed"]).get() == 1  # kept, waiting
    # The changed run's task, and the stale run's again.
    assert len(callbacks) == 2 and SyncRun.objects.count() == 2
    with django_capture_on_commit_callbacks() as callbacks:
        assert amazon1p_sync_due_task.apply(args=["new"]).get() == 0
    assert len(callbacks) == 1 and SyncRun.objects.filter(kind=SyncKind.NEW).get() == stale
