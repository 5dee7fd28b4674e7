"""The weekly rows the 12-week view reads: the week's daily rows summed, medians exact."""

import random
import statistics
import threading
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone

from cockpit.demo import cockpit_demo_history
from cockpit.models import WeeklyFc
from cockpit.rollup import rollup_day
from cockpit.selectors import (
    SUM_FIELDS,
    Bucket,
    cockpit_fcs,
    cockpit_periods,
    daily_rows,
    period_starts,
    weekly_rows,
)
from cockpit.weekly import ALL_FCS, hist_median, week_sums
from orders.models import Order
from tests.support.cockpit import DAY, acknowledge, amazon_order

H = timedelta(hours=1)
NOW = DAY + timedelta(days=9)


@pytest.mark.parametrize("seed", range(20))
def test_hist_median_is_statistics_median(seed):
    rng = random.Random(seed)
    values = [rng.randrange(0, 50) for _ in range(rng.randrange(1, 40))]
    hist = {}
    for value in values:
        hist[value] = hist.get(value, 0) + 1
    assert hist_median(hist) == statistics.median(values)
    assert hist_median({}) is None


def test_week_sums_per_fc_and_over_all():
    rows = [
        {"fc_code": "LEJ1", "ack_minutes": [60, 120], "pos": 2, "units_ordered": 10},
        {"fc_code": "LEJ1", "ack_minutes": [30], "pos": 1, "units_ordered": 4},
        {"fc_code": "MUC3", "ack_minutes": [600], "pos": 3, "units_ordered": 6},
    ]
    sums = week_sums(rows, ["pos", "units_ordered"])
    assert sums["LEJ1"] == {
        "pos": 3,
        "units_ordered": 14,
        "ack_median_minutes": 60,
        "ack_minutes_hist": [[30, 1], [60, 1], [120, 1]],
    }
    assert sums[ALL_FCS]["pos"] == 6
    assert sums[ALL_FCS]["ack_median_minutes"] == 90.0  # 30 60 | 120 600
    assert sums[ALL_FCS]["ack_minutes_hist"] == []


def _acked(shop, number, *, at, hours, fc="LEJ1"):
    order = amazon_order(shop, number, at=at, fc=fc)
    acknowledge(order, at=at + hours * H, lines=[(10, 0, 0, ""), (4, 0, 0, "")])


def test_rolling_up_a_day_sums_its_week(shop):
    _acked(shop, "PO-1", at=DAY + 8 * H, hours=1)  # Monday
    _acked(shop, "PO-2", at=DAY + 9 * H, hours=30, fc="MUC3")
    _acked(shop, "PO-3", at=DAY + 2 * 24 * H, hours=2)  # Wednesday
    _acked(shop, "PO-4", at=DAY + 7 * 24 * H, hours=5)  # next Monday: another week
    for offset in range(8):
        rollup_day(shop=shop, day=DAY.date() + timedelta(days=offset), now=NOW)
    week = {w.fc_code: w for w in WeeklyFc.objects.filter(shop=shop, week=DAY.date())}
    assert set(week) == {"LEJ1", "MUC3", ALL_FCS}
    assert (week["LEJ1"].pos, week["MUC3"].pos, week[ALL_FCS].pos) == (2, 1, 3)
    assert week["LEJ1"].ack_median_minutes == 90.0  # 60 and 120 minutes
    assert week[ALL_FCS].ack_median_minutes == 120.0  # 60, 120, 1800
    assert week["LEJ1"].ack_minutes_hist == [[60, 1], [120, 1]]
    assert week[ALL_FCS].units_ordered == 42
    next_week = WeeklyFc.objects.get(shop=shop, week=DAY.date() + timedelta(weeks=1), fc_code="*")
    assert next_week.pos == 1

    # A PO of the week leaves the Amazon channel: rolling up its day sums the week again.
    Order.objects.filter(number="PO-3").update(channel="manual")
    rollup_day(shop=shop, day=DAY.date() + timedelta(days=2), now=NOW)
    assert WeeklyFc.objects.get(shop=shop, week=DAY.date(), fc_code="*").pos == 2


def test_weeks_from_weekly_rows_match_the_daily_rows(admin_user, shop):
    """The page's weeks and FC table (weekly rows) against the same figures summed from
    the daily rows, on the demo's random history."""
    cockpit_demo_history(shop=shop, weeks=5, per_day=4)
    today = timezone.localdate()
    first = period_starts(today=today, count=6)[0]
    daily = daily_rows(shop=shop, date_from=first, date_to=today + timedelta(days=6))
    weekly = weekly_rows(shop=shop, week_from=first, week_to=today)
    for fc in (None, "LEJ1", "DTM2"):
        weeks = cockpit_periods(shop=shop, today=today, count=6, fc=fc, rows=weekly)
        for week in weeks:
            expected = Bucket(key="x")
            for row in daily:
                in_week = week.start <= row["day"] <= week.end
                if in_week and (fc is None or row["fc_code"] == fc):
                    expected.add(row)
            assert week.sums == expected.sums, (fc, week.key)
            assert week.ack_median_hours == expected.ack_median_hours, (fc, week.key)
    by_weeks = {
        b.key: b for b in cockpit_fcs(shop=shop, date_from=first, date_to=today, rows=weekly)
    }
    by_days = {b.key: b for b in cockpit_fcs(shop=shop, date_from=first, date_to=today, rows=daily)}
    assert by_weeks.keys() == by_days.keys() and len(by_days) == 3
    for key, bucket in by_days.items():
        assert by_weeks[key].sums == bucket.sums
        assert by_weeks[key].ack_median_hours == bucket.ack_median_hours


def test_the_migration_fills_the_weeks_as_the_rollup_does(shop):
    cockpit_demo_history(shop=shop, weeks=3, per_day=3)
    fields = ["week", "fc_code", "ack_median_minutes", "ack_minutes_hist", *SUM_FIELDS]
    rolled = list(WeeklyFc.objects.order_by("week", "fc_code").values(*fields))
    assert len(rolled) >= 3 * 4
    WeeklyFc.objects.all().delete()
    migration = import_module("cockpit.migrations.0004_weekly_fc_fill")
    migration.weekly_fill(apps, None)
    assert list(WeeklyFc.objects.order_by("week", "fc_code").values(*fields)) == rolled
    assert migration.FIELDS == SUM_FIELDS  # the frozen list, as the model stands today
    migration.weekly_empty(apps, None)
    assert not WeeklyFc.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_rollups_of_one_week_sum_every_day(admin_user):
    from tests.support.factories import ShopFactory

    shop = ShopFactory(owner=admin_user, name="Concurrent week")
    for day in range(7):
        for i in range(3):
            _acked(shop, f"PO-{day}-{i}", at=DAY + day * 24 * H + (i + 1) * H, hours=day + 1)
    errors = []

    def run(offset):
        try:
            rollup_day(shop=shop, day=DAY.date() + timedelta(days=offset), now=NOW)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(offset,)) for offset in range(7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    week = WeeklyFc.objects.get(shop=shop, week=DAY.date(), fc_code=ALL_FCS)
    assert week.pos == 21
    assert week.ack_median_minutes == 4 * 60  # days 0..6 answered after 1..7 hours
