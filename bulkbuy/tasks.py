"""Bulk Buy background jobs."""

from celery import shared_task

from bulkbuy.expiry import offers_expiry_alert


@shared_task(name="bulkbuy.tasks.offers_expiry_alert")
def offers_expiry_alert_task() -> int:
    """Beat job: alert on offers about to expire and on expired ones (each once)."""
    return offers_expiry_alert()
