"""/readyz names each failing dependency with a 503; /livez and /healthz stay cheap."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ops.models import Heartbeat
from ops.tasks import beat_tick_task

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


@pytest.fixture
def ticked(db):
    beat_tick_task()


def ready(client):
    response = client.get(reverse("readyz"))
    return response.status_code, response.json()


def test_readyz_is_ok_when_everything_answers(client, ticked):
    status, body = ready(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "failing": [],
        "checks": {"database": "ok", "redis": "ok", "broker": "ok", "beat": "ok"},
    }


def test_readyz_fails_when_redis_is_down(client, ticked, settings):
    settings.REDIS_URL = CLOSED
    status, body = ready(client)
    assert status == 503
    assert body["failing"] == ["redis"]
    assert body["checks"]["redis"].startswith("error: ")


def test_readyz_fails_when_the_broker_is_down(client, ticked, settings):
    settings.CELERY_BROKER_URL = CLOSED
    status, body = ready(client)
    assert status == 503
    assert body["failing"] == ["broker"]


def test_readyz_fails_when_the_demo_broker_folder_is_missing(client, ticked, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone")}
    status, body = ready(client)
    assert (status, body["failing"]) == (503, ["broker"])
    (tmp_path / "gone").mkdir()
    assert ready(client)[0] == 200


def test_readyz_fails_when_beat_never_ticked_or_stopped(client, db, settings):
    status, body = ready(client)
    assert (status, body["failing"]) == (503, ["beat"])
    assert body["checks"]["beat"] == "error: beat never ticked"

    Heartbeat.objects.create(name="beat", at=timezone.now() - timedelta(minutes=5))
    settings.BEAT_STALE_SECONDS = 180
    status, body = ready(client)
    assert (status, body["failing"]) == (503, ["beat"])
    assert "last tick 300 s ago" in body["checks"]["beat"]

    beat_tick_task()
    assert ready(client)[0] == 200


def test_readyz_fails_when_the_database_is_down(client, ticked, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("database down")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(connection, "cursor", refuse)
        status, body = ready(client)
    assert status == 503
    assert "database" in body["failing"]
    assert body["checks"]["database"] == "error: ConnectionRefusedError"


def test_beat_tick_twice_keeps_one_row_with_the_latest_time(db):
    beat_tick_task()
    first = Heartbeat.objects.get(name="beat").at
    beat_tick_task()
    assert Heartbeat.objects.count() == 1
    assert Heartbeat.objects.get(name="beat").at >= first


def test_beat_schedules_the_tick_every_minute():
    from shopctrl.celery import app

    entry = app.conf.beat_schedule["ops-beat-tick"]
    assert entry["task"] == "ops.tasks.beat_tick"
    assert entry["schedule"].minute == set(range(60))


def test_livez_answers_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("livez"))
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_healthz_is_unchanged(client, db):
    response = client.get(reverse("healthz"))
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_deploy_check_warns_about_a_short_metrics_token(settings):
    from ops.checks import metrics_token_check

    settings.METRICS_TOKEN = "short"
    assert [w.id for w in metrics_token_check(None)] == ["ops.W001"]
    settings.METRICS_TOKEN = "x" * 32
    assert metrics_token_check(None) == []
    settings.METRICS_TOKEN = ""
    assert metrics_token_check(None) == []
