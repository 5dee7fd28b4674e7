"""/metrics: a Prometheus collector that reads the current values at scrape time.

Web, workers and beat are separate processes, so per-process counters would each see a
fraction; the rows (sync runs, outboxes, the beat heartbeat) and the broker hold the truth,
and every scrape reads them (a handful of aggregate queries). A source that cannot be read
is reported as `shopctrl_source_up{source=...} 0` instead of failing the whole scrape.
"""

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import CollectorRegistry

from amazon1p.importing.models import SyncRun, SyncStatus
from amazon1p.importing.selectors import sync_runs_failed_after_outage
from core.outbox import IN_FLIGHT, OutboxStatus
from ops.health import beat_last_tick
from ops.selectors import OUTBOXES, queue_lengths

SUCCESS = (SyncStatus.SUCCEEDED, SyncStatus.PARTIAL)
RECENT = timedelta(hours=1)


def _sync(now) -> Iterator[Metric]:
    lag = GaugeMetricFamily(
        "shopctrl_sync_lag_seconds",
        "Seconds since the last successful sync run of this shop and kind ended",
        labels=["shop", "kind"],
    )
    for row in (
        SyncRun.objects.filter(status__in=SUCCESS, finished_at__isnull=False)
        .values("shop_id", "kind")
        .annotate(last=Max("finished_at"))
        .order_by("shop_id", "kind")
    ):
        lag.add_metric([str(row["shop_id"]), row["kind"]], (now - row["last"]).total_seconds())
    yield lag

    runs = GaugeMetricFamily(
        "shopctrl_sync_runs", "Sync runs by kind and status", labels=["kind", "status"]
    )
    for by_status in SyncRun.objects.values("kind", "status").annotate(n=Count("pk")).order_by():
        runs.add_metric([by_status["kind"], by_status["status"]], by_status["n"])
    yield runs

    api = CounterMetricFamily(
        "shopctrl_sync_api_calls", "SP-API calls made by sync runs", labels=["shop"]
    )
    throttled = CounterMetricFamily(
        "shopctrl_sync_throttled",
        "SP-API calls of sync runs that Amazon throttled (429)",
        labels=["shop"],
    )
    for usage in (
        SyncRun.objects.values("shop_id")
        .annotate(calls=Sum("api_calls"), throttles=Sum("throttled"))
        .order_by("shop_id")
    ):
        api.add_metric([str(usage["shop_id"])], usage["calls"] or 0)
        throttled.add_metric([str(usage["shop_id"])], usage["throttles"] or 0)
    yield api
    yield throttled

    retrying = GaugeMetricFamily(
        "shopctrl_sync_runs_retrying",
        "Queued sync runs waiting for a retry after a transient Amazon error",
    )
    retrying.add_metric(
        [], SyncRun.objects.filter(status=SyncStatus.QUEUED, error__startswith="Retrying").count()
    )
    yield retrying

    outage = GaugeMetricFamily(
        "shopctrl_historical_imports_failed",
        "Historical imports that failed for a temporary reason and were not replaced: their "
        "automatic resume is scheduled, or none is left (a person must act)",
        labels=["resume"],
    )
    counts = sync_runs_failed_after_outage().aggregate(
        scheduled=Count("pk", filter=Q(resume_due_at__isnull=False)),
        none_left=Count("pk", filter=Q(resume_due_at__isnull=True)),
    )
    outage.add_metric(["scheduled"], counts["scheduled"])
    outage.add_metric(["none_left"], counts["none_left"])
    yield outage


def _outboxes(now) -> Iterator[Metric]:
    rows = GaugeMetricFamily(
        "shopctrl_outbox_messages", "Outbox rows by outbox and state", labels=["outbox", "status"]
    )
    oldest = GaugeMetricFamily(
        "shopctrl_outbox_oldest_in_flight_age_seconds",
        "Age of the oldest outbox row not finished yet (0: none)",
        labels=["outbox"],
    )
    retries = CounterMetricFamily(
        "shopctrl_outbox_retries",
        "Send attempts beyond the first, over all rows",
        labels=["outbox"],
    )
    for kind, model in OUTBOXES.items():
        manager = model._default_manager
        counts = dict(manager.values_list("status").annotate(n=Count("pk")).order_by())
        for status in OutboxStatus.values:
            rows.add_metric([kind, status], counts.get(status, 0))
        first = manager.filter(status__in=IN_FLIGHT).aggregate(at=Min("created_at"))["at"]
        oldest.add_metric([kind], (now - first).total_seconds() if first else 0)
        extra = manager.aggregate(n=Sum(Greatest(F("attempts") - 1, 0)))["n"]
        retries.add_metric([kind], extra or 0)
    yield rows
    yield oldest
    yield retries


def _failures(now) -> Iterator[Metric]:
    failures = GaugeMetricFamily(
        "shopctrl_task_failures_last_hour",
        "Failed sync runs and outbox rows ended in error during the last hour",
        labels=["kind"],
    )
    since = now - RECENT
    failures.add_metric(
        ["sync_run"],
        SyncRun.objects.filter(status=SyncStatus.FAILED, finished_at__gte=since).count(),
    )
    for kind, model in OUTBOXES.items():
        done = Q(finished_at__gte=since) | Q(finished_at__isnull=True, created_at__gte=since)
        failures.add_metric(
            [kind], model._default_manager.filter(done, status=OutboxStatus.ERROR).count()
        )
    yield failures


def _beat(now) -> Iterator[Metric]:
    tick = beat_last_tick()
    last = GaugeMetricFamily(
        "shopctrl_beat_last_tick_timestamp_seconds", "When beat last ticked (Unix time; 0: never)"
    )
    last.add_metric([], tick.timestamp() if tick else 0)
    yield last
    age = GaugeMetricFamily(
        "shopctrl_beat_last_tick_age_seconds", "Seconds since beat last ticked (+Inf: never)"
    )
    age.add_metric([], (now - tick).total_seconds() if tick else float("inf"))
    yield age


def _queues(now) -> Iterator[Metric]:
    lengths = GaugeMetricFamily(
        "shopctrl_celery_queue_length", "Messages waiting in the Celery queue", labels=["queue"]
    )
    for name, length in queue_lengths().items():
        lengths.add_metric([name], length)
    yield lengths


SOURCES = {
    "sync": _sync,
    "outbox": _outboxes,
    "failures": _failures,
    "beat": _beat,
    "broker": _queues,
}


class ShopCtrlCollector:
    """Reads every source at collect() time; see the module doc."""

    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        up = GaugeMetricFamily(
            "shopctrl_source_up", "Whether the scrape could read this source", labels=["source"]
        )
        for name, source in SOURCES.items():
            try:
                # Materialised first, so a source failing halfway adds no partial family.
                families = list(source(now))
            except Exception:
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            yield from families
        yield up


def registry() -> CollectorRegistry:
    """A registry of our collector only (no per-process default metrics)."""
    reg = CollectorRegistry(auto_describe=False)
    reg.register(ShopCtrlCollector())
    return reg
