"""A first or historical import sums up what it brought from the past in one alert per run,
instead of one "acknowledgement was due" alert per old PO."""

import pytest
from django.utils import timezone

from amazon1p.acknowledgements.deadlines import ALERTED_OVERDUE, deadlines_alert
from amazon1p.importing.models import AmazonPurchaseOrder, SyncKind, SyncRun
from amazon1p.importing.summary import run_summary_finish
from shops.models import Alert
from tests.support.amazon import days_ago
from tests.support.sync import run_sync

pytestmark = pytest.mark.django_db


def test_first_import_raises_one_summary_instead_of_an_alert_per_late_po(connected, shop, sim):
    run = run_sync(shop, SyncKind.NEW, sim, range_from=days_ago(4), range_to=days_ago(0))
    late = AmazonPurchaseOrder.objects.filter(shop=shop, ack_due_at__lte=timezone.now())
    assert late.exists() and not late.exclude(ack_alerted=ALERTED_OVERDUE).exists()

    (summary,) = Alert.objects.filter(shop=shop, kind="import")
    assert summary.message == (
        f"First import: {run.new_count} POs imported from before the connection; "
        f"{late.count()} are past their acknowledgement deadline."
    )
    assert summary.severity == "warning" and summary.count == late.count()
    assert set(summary.items.values_list("object_id", flat=True)) == set(
        late.values_list("order_id", flat=True)
    )
    # The deadline job does not raise them again, one by one or grouped.
    deadlines_alert()
    assert not Alert.objects.filter(shop=shop, group_key="ack-overdue").exists()
    # Nothing else came one per PO: what the simulator's mix brings (an unknown FC, prices
    # per weight unit, no net cost, another currency, deadlines soon) is one alert per kind.
    assert Alert.objects.filter(shop=shop).count() < 8
    assert not Alert.objects.filter(shop=shop, group_key="").exclude(kind="import").exists()

    run_summary_finish(run)  # finishing twice changes nothing
    summary_again = Alert.objects.get(shop=shop, kind="import")
    assert (summary_again.pk, summary_again.count) == (summary.pk, summary.count)


def test_later_runs_bring_no_summary_of_their_own(connected, shop, sim):
    run_sync(shop, SyncKind.NEW, sim, range_from=days_ago(2), range_to=days_ago(1))
    second = run_sync(shop, SyncKind.NEW, sim, range_from=days_ago(1), range_to=days_ago(0))
    assert second.new_count > 0
    assert Alert.objects.filter(shop=shop, kind="import").count() == 1


def test_historical_import_is_summed_up_with_its_range(connected, shop, sim):
    run = run_sync(shop, SyncKind.HISTORICAL, sim, range_from=days_ago(20), range_to=days_ago(15))
    assert run.new_count > 0
    (summary,) = Alert.objects.filter(shop=shop, kind="import")
    assert summary.message.startswith(
        f"Historical import {run.range_from:%Y-%m-%d} – {run.range_to:%Y-%m-%d}: "
        f"{run.new_count} POs imported;"
    )
    assert SyncRun.objects.filter(shop=shop).count() == 1
