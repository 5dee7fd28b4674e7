"""Ops tasks: beat's own tick, so /readyz and /metrics can tell when beat stopped."""

from celery import shared_task

from ops.services import heartbeat_record


@shared_task(name="ops.tasks.beat_tick")
def beat_tick_task() -> str:
    """Beat job (every minute): record that beat is scheduling. Idempotency key: the name
    `beat`; running twice or concurrently just writes the latest time."""
    return heartbeat_record(name="beat").isoformat()
