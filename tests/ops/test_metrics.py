"""/metrics: refused without the token, and each family reads the rows at scrape time."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ops.models import Heartbeat
from tests.support.ops import acknowledgement, invoice_submission, run

TOKEN = "scrape-me-0123456789"


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []


def scrape(client) -> str:
    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def value(text: str, name: str, **labels: str) -> float:
    """The sample `name{labels}` of the exposition text (labels in any order)."""
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if found == labels:
            return float(match.group(3))
    raise AssertionError(f"no sample {name}{labels}")


def test_metrics_is_off_without_a_token_or_network(db, client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert client.get(reverse("metrics")).status_code == 404


def test_metrics_refuses_a_missing_or_wrong_token(db, client, metrics_on):
    assert client.get(reverse("metrics")).status_code == 403
    wrong = client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Token {TOKEN}").status_code == 403


def test_metrics_answers_an_allowed_network_without_a_token(db, client, settings):
    import ipaddress

    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    assert client.get(reverse("metrics")).status_code == 200  # the test client is 127.0.0.1
    settings.METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert client.get(reverse("metrics")).status_code == 403


def test_metrics_reads_sync_runs(db, client, metrics_on, shop, other_shop):
    run(shop, kind="new", minutes_ago=30, api_calls=7, throttled=2)
    run(shop, kind="new", minutes_ago=5, api_calls=3, throttled=1)  # the latest success
    run(shop, kind="changed", status="partial", minutes_ago=60)
    run(shop, kind="new", status="failed", minutes_ago=10, api_calls=1)
    run(other_shop, kind="new", status="failed", minutes_ago=120)  # failed, over an hour ago
    run(other_shop, kind="missing", status="queued", error="Retrying: 503")

    text = scrape(client)

    assert 295 <= value(text, "shopctrl_sync_lag_seconds", shop=str(shop.pk), kind="new") <= 330
    lag_changed = value(text, "shopctrl_sync_lag_seconds", shop=str(shop.pk), kind="changed")
    assert 3595 <= lag_changed <= 3630
    with pytest.raises(AssertionError):  # never succeeded: no lag sample
        value(text, "shopctrl_sync_lag_seconds", shop=str(other_shop.pk), kind="new")
    assert value(text, "shopctrl_sync_runs", kind="new", status="succeeded") == 2
    assert value(text, "shopctrl_sync_runs", kind="new", status="failed") == 2
    assert value(text, "shopctrl_sync_runs", kind="missing", status="queued") == 1
    assert value(text, "shopctrl_sync_api_calls_total", shop=str(shop.pk)) == 11
    assert value(text, "shopctrl_sync_throttled_total", shop=str(shop.pk)) == 3
    assert value(text, "shopctrl_sync_runs_retrying") == 1
    assert value(text, "shopctrl_task_failures_last_hour", kind="sync_run") == 1


def test_metrics_reads_the_outboxes(db, client, metrics_on, shop):
    acknowledgement(shop, "PO1", status="pending", minutes_ago=42)
    acknowledgement(shop, "PO2", status="submitted", minutes_ago=3, attempts=3)
    acknowledgement(shop, "PO3", status="error", minutes_ago=20, attempts=2)
    acknowledgement(shop, "PO4", status="error", minutes_ago=200)
    acknowledgement(shop, "PO5", status="success", minutes_ago=1, attempts=1)

    text = scrape(client)

    ack = {"outbox": "acknowledgement"}
    assert value(text, "shopctrl_outbox_messages", status="pending", **ack) == 1
    assert value(text, "shopctrl_outbox_messages", status="submitted", **ack) == 1
    assert value(text, "shopctrl_outbox_messages", status="error", **ack) == 2
    assert value(text, "shopctrl_outbox_messages", status="sending", **ack) == 0
    assert value(text, "shopctrl_outbox_messages", outbox="asn", status="pending") == 0
    oldest = value(text, "shopctrl_outbox_oldest_in_flight_age_seconds", **ack)
    assert 42 * 60 - 5 <= oldest <= 42 * 60 + 30
    assert value(text, "shopctrl_outbox_oldest_in_flight_age_seconds", outbox="asn") == 0
    assert value(text, "shopctrl_outbox_retries_total", **ack) == 2 + 1  # attempts beyond one
    assert value(text, "shopctrl_task_failures_last_hour", kind="acknowledgement") == 1


def test_metrics_reads_beat_and_the_broker(db, client, metrics_on):
    text = scrape(client)
    assert value(text, "shopctrl_beat_last_tick_timestamp_seconds") == 0
    assert value(text, "shopctrl_beat_last_tick_age_seconds") == float("inf")

    tick = timezone.now() - timedelta(seconds=90)
    Heartbeat.objects.create(name="beat", at=tick)
    text = scrape(client)

    assert value(text, "shopctrl_beat_last_tick_timestamp_seconds") == pytest.approx(
        tick.timestamp()
    )
    assert 89 <= value(text, "shopctrl_beat_last_tick_age_seconds") <= 120
    assert value(text, "shopctrl_celery_queue_length", queue="celery") >= 0
    for source in ("sync", "outbox", "failures", "beat", "broker"):
        assert value(text, "shopctrl_source_up", source=source) == 1


def test_metrics_reports_a_broker_it_cannot_read_without_failing(db, client, metrics_on, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    text = scrape(client)
    assert value(text, "shopctrl_source_up", source="broker") == 0
    assert value(text, "shopctrl_source_up", source="sync") == 1
    assert "shopctrl_celery_queue_length" not in text


def test_metrics_counts_the_demo_file_system_broker(db, client, metrics_on, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    for n in range(3):
        (tmp_path / f"{n}_abc.celery.msg").write_text("{}")
    (tmp_path / "9_abc.other.msg").write_text("{}")
    text = scrape(client)
    assert value(text, "shopctrl_celery_queue_length", queue="celery") == 3


def test_metrics_reads_the_invoice_outbox(db, client, metrics_on, shop):
    invoice_submission(shop, "PO-I1", status="submitted", minutes_ago=15, attempts=2)
    invoice_submission(shop, "PO-I2", status="error", minutes_ago=5, attempts=1)
    invoice_submission(shop, "PO-I3", status="success", minutes_ago=1, attempts=1)

    text = scrape(client)

    inv = {"outbox": "invoice"}
    assert value(text, "shopctrl_outbox_messages", status="submitted", **inv) == 1
    assert value(text, "shopctrl_outbox_messages", status="error", **inv) == 1
    assert value(text, "shopctrl_outbox_messages", status="success", **inv) == 1
    assert value(text, "shopctrl_outbox_messages", status="pending", **inv) == 0
    oldest = value(text, "shopctrl_outbox_oldest_in_flight_age_seconds", **inv)
    assert 15 * 60 - 5 <= oldest <= 15 * 60 + 30
    assert value(text, "shopctrl_outbox_retries_total", **inv) == 1
    assert value(text, "shopctrl_task_failures_last_hour", kind="invoice") == 1
    assert value(text, "shopctrl_outbox_messages", status="submitted", outbox="asn") == 0


def test_metrics_counts_historical_imports_failed_after_an_outage(db, client, metrics_on, shop):
    due = timezone.now() + timedelta(minutes=5)
    run(shop, kind="historical", status="failed", transient_failure=True, resume_due_at=due)
    run(shop, kind="historical", status="failed", transient_failure=True, auto_resumes=6)
    run(shop, kind="historical", status="failed")  # refused: not an outage

    text = scrape(client)

    assert value(text, "shopctrl_historical_imports_failed", resume="scheduled") == 1
    assert value(text, "shopctrl_historical_imports_failed", resume="none_left") == 1
