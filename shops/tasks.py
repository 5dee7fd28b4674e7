"""Shop housekeeping tasks."""

from celery import shared_task
from django.conf import settings

from shops.security_log import security_events_prune
from shops.services import alert_purge_read


@shared_task(name="shops.tasks.alert_purge_read")
def alert_purge_read_task() -> int:
    """Beat job: drop alerts read long ago. Overlapping runs delete the same rows once."""
    return alert_purge_read(older_than_days=settings.ALERT_READ_RETENTION_DAYS)


@shared_task(name="shops.tasks.security_events_prune")
def security_events_prune_task() -> int:
    """Beat job: drop security events past their retention (never under 90 days)."""
    return security_events_prune(older_than_days=settings.SECURITY_LOG_RETENTION_DAYS)
