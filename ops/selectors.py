"""Ops reads: queue lengths, workers, stuck sync runs and outbox rows."""

from dataclasses import dataclass
from datetime import timedelta

from celery import current_app  # the project's app (shopctrl/celery.py)
from django.conf import settings

from amazon1p.acknowledgements.models import Acknowledgement
from amazon1p.importing.models import ACTIVE_SYNC_STATUSES, SyncRun
from amazon1p.importing.selectors import sync_runs_failed_after_outage
from amazon1p.importing.services import sync_run_needs_worker
from asn.models import AsnSubmission
from core.outbox import idle_messages
from invoicing.models import InvoiceSubmission
from ops.health import TIMEOUT, broker_data_folder

# An outbox row nobody touched for this long is stuck: the watchdog hands idle rows back
# after two minutes, so ten means even the watchdog's follow-ups do not move it.
OUTBOX_STUCK_AFTER = timedelta(minutes=10)
OUTBOXES = {
    "acknowledgement": Acknowledgement,
    "asn": AsnSubmission,
    "invoice": InvoiceSubmission,
}
_REDIS_PRIORITY_SEP = "\x06\x16"  # kombu's redis transport: queue, queue␆␖3, …6, …9
_REDIS_PRIORITIES = ("", "3", "6", "9")


def queue_names() -> list[str]:
    return [getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", None) or "celery"]


def queue_lengths() -> dict[str, int]:
    """Messages waiting per Celery queue, read from the broker itself (Redis list lengths, or
    the demo's file-system broker folder). Raises when the broker cannot be read."""
    names = queue_names()
    folder = broker_data_folder()
    if folder is not None:
        files = [p.name for p in folder.iterdir()] if folder.is_dir() else []
        return {name: sum(f.endswith(f".{name}.msg") for f in files) for name in names}
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return {}
    import redis

    client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
    try:
        return {
            name: sum(
                client.llen(f"{name}{_REDIS_PRIORITY_SEP}{p}" if p else name)
                for p in _REDIS_PRIORITIES
            )
            for name in names
        }
    finally:
        client.close()


def workers_alive() -> dict[str, str] | None:
    """{worker name: "ok"} of the workers answering a ping within OPS_PING_TIMEOUT, or None
    when the broker cannot broadcast (the demo's file-system broker) or cannot be reached."""
    if broker_data_folder() is not None:
        return None
    try:
        replies = current_app.control.inspect(timeout=settings.OPS_PING_TIMEOUT).ping() or {}
    except Exception:
        return None
    return {name: reply.get("ok", "?") for name, reply in replies.items()}


@dataclass(frozen=True)
class StuckOutboxRow:
    kind: str
    message: object
    shop_name: str


def sync_runs_stuck() -> list[SyncRun]:
    """Active runs that need a worker again: running with a stale heartbeat, or queued too
    long (the message was lost). Same rule as the sync's own take-over."""
    active = SyncRun.objects.filter(status__in=ACTIVE_SYNC_STATUSES).select_related("shop")
    return [run for run in active.order_by("pk") if sync_run_needs_worker(run)]


def historical_imports_failed(limit: int = 100) -> list[SyncRun]:
    """Historical imports that failed for a temporary reason (an outage) and that nothing
    replaced: each resumes by itself when its `resume_due_at` comes, or has no automatic
    resume left and waits for a person."""
    return list(sync_runs_failed_after_outage()[:limit])


def outbox_rows_stuck() -> list[StuckOutboxRow]:
    """In-flight acknowledgements, ASNs and invoices nobody touched for OUTBOX_STUCK_AFTER."""
    seconds = int(OUTBOX_STUCK_AFTER.total_seconds())
    rows = [
        StuckOutboxRow("acknowledgement", ack, ack.shop.name)
        for ack in idle_messages(Acknowledgement, seconds)
    ]
    rows += [
        StuckOutboxRow("asn", asn, asn.group.shop.name)
        for asn in idle_messages(AsnSubmission, seconds)
    ]
    rows += [
        StuckOutboxRow("invoice", sent, sent.invoice.shop.name)
        for sent in idle_messages(InvoiceSubmission, seconds)
    ]
    return rows
