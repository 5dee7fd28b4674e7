"""Celery application and the beat schedule.

Every scheduled task is safe to overlap with itself: it claims its work with row locks,
advisory locks or compare-and-set updates, never a cache flag.
"""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopctrl.settings")

# One base task for the project: `task.delay_on_commit(...)` sends only once the caller's
# transaction commits (a worker never reads a row that is not there yet, and a rolled-back
# change sends nothing). Django's `transaction.on_commit`, wrapped by Celery.
app = Celery("shopctrl", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _log_like_the_web(**_) -> None:
    """Workers and beat log through Django's LOGGING (LOG_FORMAT json|text, the shop/run/PO
    context, secrets masked) instead of Celery's own root handler."""
    from logging.config import dictConfig

    dictConfig(settings.LOGGING)


# Beat's scheduler: Celery's PersistentScheduler (missed jobs run once when beat starts again
# with its schedule file), except that a job the broker refused is sent again on the next tick
# instead of being skipped until its next due time (shopctrl/beat.py). The file is written
# after every send, so a killed beat forgets no send it made.
app.conf.beat_scheduler = "shopctrl.beat:RetryingScheduler"
app.conf.beat_sync_every = 1


def receiving_sync_schedule(minutes: int) -> crontab:
    """Every `minutes` (a divisor of 60, checked by the settings), three minutes past the
    new-orders sync's slot when that fits: 5 gives :03, :08, ...; 1 every minute."""
    return crontab(minute="*" if minutes == 1 else f"{3 % minutes}-59/{minutes}")


app.conf.beat_schedule = {
    "ops-beat-tick": {
        # /readyz and /metrics read this to tell that beat stopped (ops/tasks.py)
        "task": "ops.tasks.beat_tick",
        "schedule": crontab(minute="*"),
    },
    "alerts-purge-read": {
        "task": "shops.tasks.alert_purge_read",
        "schedule": crontab(hour=3, minute=17),
    },
    "security-events-prune": {
        "task": "shops.tasks.security_events_prune",
        "schedule": crontab(hour=3, minute=29),
    },
    "amazon1p-sync-new": {
        "task": "amazon1p.tasks.amazon1p_sync_due",
        "schedule": crontab(minute="*/5"),
        "args": ("new",),
    },
    "amazon1p-sync-changed": {
        "task": "amazon1p.tasks.amazon1p_sync_due",
        "schedule": crontab(minute=23),
        "args": ("changed",),
    },
    "amazon1p-sync-watchdog": {
        # Every minute, whatever the shops' sync switches: a dead run (heartbeat older than
        # STALE_AFTER, 60 s) is announced and resumed within two minutes.
        "task": "amazon1p.tasks.amazon1p_sync_watchdog",
        "schedule": crontab(minute="*"),
    },
    "amazon1p-acknowledgements-watchdog": {
        "task": "amazon1p.tasks.acknowledgements_watchdog",
        "schedule": crontab(minute="*"),
    },
    "amazon1p-acknowledgements-by-rule": {
        "task": "amazon1p.tasks.acknowledgements_by_rule",
        "schedule": crontab(minute="2-59/5"),  # just after the new-orders sync
    },
    "amazon1p-acknowledgement-deadlines": {
        "task": "amazon1p.tasks.acknowledgement_deadlines",
        "schedule": crontab(minute="*/10"),
    },
    "amazon1p-pick-inbox": {
        "task": "amazon1p.tasks.pick_inbox_process",
        "schedule": crontab(minute="*"),
    },
    "asn-pack-inbox": {
        "task": "asn.tasks.pack_inbox_process",
        "schedule": crontab(minute="*"),
    },
    "asn-watchdog": {
        "task": "asn.tasks.asns_watchdog",
        "schedule": crontab(minute="*"),
    },
    "invoicing-watchdog": {
        "task": "invoicing.tasks.invoices_watchdog",
        "schedule": crontab(minute="*"),
    },
    "bulkbuy-offers-expiry": {
        "task": "bulkbuy.tasks.offers_expiry_alert",
        "schedule": crontab(minute=7),  # hourly
    },
    "bulkbuy-purchase-orders-link": {
        # Safety net: each sync run already links its shop's POs right after it stores them.
        "task": "bulkbuy.tasks.purchase_orders_link",
        "schedule": crontab(minute="1-59/5"),
    },
    "cockpit-rollup-recent": {
        "task": "cockpit.tasks.cockpit_rollup_recent",
        "schedule": crontab(minute=13),  # hourly
    },
    "cockpit-weekly-summaries": {
        "task": "cockpit.tasks.weekly_summaries_send",
        "schedule": crontab(day_of_week=1, hour=6, minute=5),
    },
    "receiving-sync": {
        # Reads only shipped POs not fully received yet (a few calls per shop), so every
        # five minutes costs little and shows receipts soon after the FC scans them; the demo
        # runs it every minute (RECEIVING_SYNC_MINUTES).
        "task": "receiving.tasks.receiving_sync_due",
        "schedule": receiving_sync_schedule(settings.RECEIVING_SYNC_MINUTES),
    },
    "amazon1p-sync-missing": {
        "task": "amazon1p.tasks.amazon1p_sync_due",
        "schedule": crontab(hour=4, minute=41),
        "args": ("missing",),
    },
}
