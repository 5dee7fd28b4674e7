"""The linking beat run's time budget stays inside the beat interval, so two runs of it never
overlap (each would wait on the other's row locks)."""

from datetime import timedelta
from itertools import pairwise

from bulkbuy.linking.batch import TIME_BUDGET
from shopctrl.celery import app


def _shortest_gap(minutes: set[int]) -> timedelta:
    ordered = sorted(minutes)
    gaps = [b - a for a, b in pairwise(ordered)]
    gaps.append(60 - ordered[-1] + ordered[0])  # over the full hour
    return timedelta(minutes=min(gaps))


def test_the_link_time_budget_ends_a_minute_before_the_next_beat_run():
    schedule = app.conf.beat_schedule["bulkbuy-purchase-orders-link"]["schedule"]
    assert schedule.hour == set(range(24))  # every hour, so the minutes give the interval
    assert _shortest_gap(schedule.minute) - timedelta(minutes=1) >= TIME_BUDGET
