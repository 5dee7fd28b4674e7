"""`amazon1p_sync --kind K` runs a K run, or names the running run in its way; it never goes
on with a run of another kind (or range) under K's name, and a queued run of another kind
waits for it."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from amazon1p.models import SyncKind, SyncRun, SyncStatus
from tests.support.amazon import days_ago

pytestmark = pytest.mark.django_db


def sync(shop, *args: str) -> str:
    out = StringIO()
    call_command("amazon1p_sync", str(shop.pk), *args, stdout=out)
    return out.getvalue()


def test_a_queued_run_of_another_kind_waits_and_is_not_run(connected, shop):
    waiting = SyncRun.objects.create(shop=shop, kind=SyncKind.NEW)

    sync(shop, "--kind", "missing", "--since", str(days_ago(1).date()))

    done = SyncRun.objects.get(shop=shop, kind=SyncKind.MISSING)
    assert done.status == SyncStatus.SUCCEEDED and done.pk != waiting.pk
    waiting.refresh_from_db()
    assert waiting.status == SyncStatus.QUEUED and waiting.attempts == 0


def test_a_running_run_of_another_kind_is_named_too(connected, shop):
    running = SyncRun.objects.create(shop=shop, kind=SyncKind.CHANGED, status=SyncStatus.RUNNING)

    with pytest.raises(CommandError) as refused:
        sync(shop, "--kind", "new")

    assert str(refused.value) == (
        f"Run #{running.pk} (Changed orders, running) is in the way: a shop runs one sync at "
        "a time, and it is not a new orders run. Let it finish, then ask again."
    )
    assert not SyncRun.objects.filter(kind=SyncKind.NEW).exists()


def test_a_queued_run_of_the_kind_asked_for_is_taken_over_and_run(connected, shop):
    waiting = SyncRun.objects.create(
        shop=shop, kind=SyncKind.MISSING, range_from=days_ago(1), range_to=days_ago(0)
    )

    text = sync(shop, "--kind", "missing")

    assert f"Taking over run #{waiting.pk} (Missing orders)." in text
    waiting.refresh_from_db()
    assert waiting.status == SyncStatus.SUCCEEDED and waiting.attempts == 1


def test_a_historical_run_of_another_range_is_named(connected, shop):
    start, end = days_ago(40), days_ago(30)
    waiting = SyncRun.objects.create(
        shop=shop, kind=SyncKind.HISTORICAL, range_from=start, range_to=end
    )

    with pytest.raises(CommandError) as refused:
        since, until = str(days_ago(20).date()), str(days_ago(10).date())
        sync(shop, "--kind", "historical", "--since", since, "--until", until)

    assert str(refused.value) == (
        f"Run #{waiting.pk} (Historical import of {start:%Y-%m-%d} – {end:%Y-%m-%d}, queued) "
        "is in the way of this range; let it finish, then ask again."
    )


def test_the_summary_gives_the_duration_and_retries(connected, shop):
    text = sync(shop, "--kind", "new", "--since", str(days_ago(1).date()))

    run = SyncRun.objects.get(shop=shop)
    assert run.status == SyncStatus.SUCCEEDED
    assert f"{run.api_calls} API calls, 0 throttled, 0 retries, " in text
    assert text.rstrip().endswith(" s.")
