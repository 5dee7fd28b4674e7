"""Readiness checks (/readyz): the database, Redis, the Celery broker and beat.

Each check returns "ok" or "error: <why>" and never raises; each takes at most about a
second, so a load balancer's probe answers even while a dependency hangs.
"""

from datetime import timedelta
from pathlib import Path

from celery import current_app  # the project's app (shopctrl/celery.py)
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ops.models import Heartbeat

TIMEOUT = 1.0  # seconds, per network check


def _error(exc: Exception) -> str:
    return f"error: {type(exc).__name__}"


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return _error(exc)


def _redis_ping(url: str) -> str:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT)
        try:
            return "ok" if client.ping() else "error: no PONG"
        finally:
            client.close()
    except Exception as exc:
        return _error(exc)


def check_redis() -> str:
    """The cache's Redis; the demo has none (locmem cache), which is fine."""
    if not settings.REDIS_URL:
        return "ok"
    return _redis_ping(settings.REDIS_URL)


def broker_data_folder() -> Path | None:
    """The file-system broker's folder (demo), or None for a network broker."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return None
    return Path(options.get("data_folder_in", "."))


def check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _redis_ping(url)
    folder = broker_data_folder()
    if folder is not None:
        return "ok" if folder.is_dir() else f"error: no broker folder {folder}"
    try:
        with current_app.connection_for_write() as conn:
            # kombu takes seconds as a float; celery-types says int.
            conn.ensure_connection(max_retries=1, timeout=TIMEOUT)  # type: ignore[arg-type]
        return "ok"
    except Exception as exc:
        return _error(exc)


def beat_last_tick():
    """When beat last ticked (None: never, or the database cannot say)."""
    try:
        return Heartbeat.objects.filter(name="beat").values_list("at", flat=True).first()
    except Exception:
        return None


def check_beat() -> str:
    tick = beat_last_tick()
    if tick is None:
        return "error: beat never ticked"
    age = timezone.now() - tick
    if age > timedelta(seconds=settings.BEAT_STALE_SECONDS):
        return f"error: beat's last tick {int(age.total_seconds())} s ago"
    return "ok"


CHECKS = {
    "database": check_database,
    "redis": check_redis,
    "broker": check_broker,
    "beat": check_beat,
}


def readiness() -> dict[str, str]:
    """{check name: "ok" | "error: ..."} for every check."""
    return {name: check() for name, check in CHECKS.items()}
