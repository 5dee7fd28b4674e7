"""Cockpit background jobs (beat: shopctrl/celery.py)."""

from celery import shared_task

from cockpit.services import cockpit_rollup_recent, weekly_summaries_send


@shared_task(name="cockpit.tasks.cockpit_rollup_recent")
def cockpit_rollup_recent_task() -> int:
    """Beat job: recompute the recent days' roll-ups of every shop.

    Idempotency key (shop, day): each slice is replaced in one transaction under an
    advisory lock, so an overlapping run waits and writes the same rows.
    """
    return cockpit_rollup_recent()


@shared_task(name="cockpit.tasks.weekly_summaries_send")
def weekly_summaries_send_task() -> int:
    """Beat job (Mondays): last week's cockpit summary to each shop's members, once per
    (shop, week) thanks to the WeeklySummary claim row."""
    return weekly_summaries_send()
