"""The cockpit's jobs: keeping the roll-ups current and the weekly e-mail summary."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from cockpit.models import WeeklySummary
from cockpit.rollup import rollup_day
from cockpit.selectors import cockpit_periods, week_start
from orders.models import Channel, Order
from receiving.models import LineReceipt
from shops.models import Membership, Shop


def cockpit_shops() -> list[Shop]:
    """Shops with Amazon orders (one index probe per shop)."""
    return [
        shop
        for shop in Shop.objects.order_by("pk")
        if Order.objects.filter(shop=shop, channel=Channel.AMAZON_1P).exists()
    ]


def cockpit_rollup_recent(*, now: datetime | None = None, days: int | None = None) -> int:
    """Recompute the last `days` days (today included) of every shop; returns the POs seen.

    Idempotent: each (shop, day) is replaced as a whole (see `rollup_day`), so overlapping
    or repeated runs leave the same rows.
    """
    now = now or timezone.now()
    days = days or settings.COCKPIT_ROLLUP_DAYS
    today = timezone.localdate(now)
    total = 0
    for shop in cockpit_shops():
        recent = [today - timedelta(days=offset) for offset in range(days)]
        for day in [*recent, *sorted(_older_days_received(shop, now, recent[-1]))]:
            total += rollup_day(shop=shop, day=day, now=now)
    return total


def _older_days_received(shop: Shop, now: datetime, first: date) -> set[date]:
    """Days before `first` with a PO whose receipt changed in the last day: Amazon may
    report a receipt weeks after the PO date, past the recent window (a day, not an hour,
    so a missed beat run is caught up)."""
    before = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    return {
        timezone.localdate(at)
        for at in LineReceipt.objects.filter(
            shop=shop, updated_at__gte=now - timedelta(days=1), order__ordered_at__lt=before
        )
        .values_list("order__ordered_at", flat=True)
        .distinct()
    }


def cockpit_rollup_range(*, shop: Shop, first: date, last: date) -> int:
    """Recompute every day from `first` to `last` of one shop (history, demo seeding)."""
    total, day = 0, first
    while day <= last:
        total += rollup_day(shop=shop, day=day)
        day += timedelta(days=1)
    return total


def _recipients(shop: Shop) -> list[str]:
    users = (
        Membership.objects.filter(shop=shop, roles__permissions__contains=["shop.view"])
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    return sorted(users)


def weekly_summary_send(*, shop: Shop, week: date) -> bool:
    """E-mail the shop's members the cockpit figures of the week starting `week` (a Monday).

    Idempotency key (shop, week): the WeeklySummary row is claimed first (a unique
    constraint), so a rerun or a concurrent run sends nothing; a claim whose send failed
    (sent_at empty) is tried again by the next run. Returns whether a mail went out.
    """
    try:
        with transaction.atomic():
            summary, _ = WeeklySummary.objects.get_or_create(shop=shop, week=week)
    except IntegrityError:  # a concurrent run claimed it between get and create
        return False
    with transaction.atomic():
        claimed = (
            WeeklySummary.objects.select_for_update(skip_locked=True)
            .filter(pk=summary.pk, sent_at__isnull=True)
            .first()
        )
        if claimed is None:
            return False
        recipients = _recipients(shop)
        bucket = cockpit_periods(shop=shop, today=week + timedelta(days=6), count=1)[0]
        if recipients:
            send_mail(
                subject=f"{shop.name}: Amazon metrics, week of {week:%Y-%m-%d}",
                message=render_to_string(
                    "cockpit/weekly_summary.txt", {"shop": shop, "week": week, "b": bucket}
                ),
                from_email=None,
                recipient_list=recipients,
            )
        claimed.recipients = len(recipients)
        claimed.sent_at = timezone.now()
        claimed.save(update_fields=["recipients", "sent_at"])
    return True


def weekly_summaries_send(*, now: datetime | None = None) -> int:
    """Send last week's summary of every shop that has Amazon orders; returns mails sent."""
    last_week = week_start(timezone.localdate(now or timezone.now())) - timedelta(weeks=1)
    return sum(weekly_summary_send(shop=shop, week=last_week) for shop in cockpit_shops())
