"""Amazon's static sandbox (fixed examples, the same nextToken on every page), as the
simulator's --sandbox mode serves it from vendorOrders.json, to the real client: every kind of
run finishes, stores what came, and says why it saw only examples. The same answers from a
production endpoint fail the run with the reason instead."""

from io import StringIO

import pytest
from django.core.management import call_command

from amazon1p.importing.models import AmazonPurchaseOrder, SyncCursor, SyncKind, SyncStatus
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from shops.models import Alert
from tests.support.amazon import connect, days_ago, vendor_calls, vendor_client_for
from tests.support.sync import wait_finished

pytestmark = pytest.mark.django_db

# The catch-all case of getPurchaseOrders in vendorOrders.json: two examples, nextToken set.
EXAMPLES = {"mock-purchaseOrderNumber1", "mock-purchaseOrderNumber2"}
TOKEN = "MDAwMDAwMDAwMQ=="


@pytest.fixture
def sandbox(simulator_factory):
    return simulator_factory(sandbox=True)


def run_with(shop, sim, kind=SyncKind.NEW, days=3):
    run, created = sync_run_request(
        shop=shop, kind=kind, range_from=days_ago(days), range_to=days_ago(0), enqueue=False
    )
    assert created
    with vendor_client_for(sim) as client:
        return sync_run_execute(run_id=run.pk, client=client)


def test_a_sandbox_connection_finishes_with_the_examples_and_a_note(shop, sandbox):
    connection = connect(shop, sandbox)
    connection.endpoint_kind = "sandbox"  # Amazon's sandbox host; the client aims at ours
    connection.save()

    started = days_ago(0)
    run = run_with(shop, sandbox)

    assert run.status == SyncStatus.SUCCEEDED and run.error == ""
    assert run.note.startswith(
        "Amazon's sandbox returns fixed examples, not this vendor's purchase orders"
    )
    assert "same nextToken on every page" in run.note
    assert (
        set(AmazonPurchaseOrder.objects.filter(shop=shop).values_list("po_number", flat=True))
        == EXAMPLES
    )
    assert run.windows_done == run.windows_total == 3
    # The cursor reached the run's end ("now" when it started; a loaded machine may cross
    # a second boundary meanwhile).
    assert started <= SyncCursor.objects.get(shop=shop, kind=SyncKind.NEW).position <= days_ago(0)
    # Each window: the first page, then the page that repeats its token; nothing more.
    calls = vendor_calls(sandbox)
    assert [c["query"].get("nextToken") for c in calls] == [None, TOKEN] * 3
    assert run.api_calls == len(calls) == 6 and run.new_count == 2


@pytest.mark.parametrize(
    "kind", [SyncKind.NEW, SyncKind.CHANGED, SyncKind.MISSING, SyncKind.HISTORICAL]
)
def test_every_kind_of_run_against_the_sandbox_simulator_finishes(shop, sandbox, kind):
    connect(shop, sandbox)  # a custom endpoint: `vendor_simulator --sandbox`

    run = run_with(shop, sandbox, kind=kind, days=2)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert run.note.startswith(
        f"The endpoint {sandbox.base_url} answers like Amazon's static sandbox"
    )
    assert run.windows_done == run.windows_total == 2
    assert run.api_calls == len(vendor_calls(sandbox)) > 0
    assert AmazonPurchaseOrder.objects.filter(shop=shop).exists()


def test_the_command_prints_the_note(shop, sandbox):
    connect(shop, sandbox)
    out = StringIO()

    call_command("amazon1p_sync", str(shop.pk), "--kind", "new", stdout=out)

    assert "Succeeded" in out.getvalue()
    assert "Note: The endpoint" in out.getvalue() and "fixed examples" in out.getvalue()


def test_a_repeated_token_from_production_fails_the_run_before_its_window_counts(shop, sandbox):
    connection = connect(shop, sandbox)
    connection.endpoint_kind = "production"
    connection.save()

    run = run_with(shop, sandbox)

    assert run.status == SyncStatus.FAILED and run.note == ""
    assert run.error.startswith(
        "Amazon getPurchaseOrders answered page 2 with the nextToken of an earlier page; "
        "paging stopped there (window "
    )
    assert "the next run reads the window again" in run.error
    # What came was stored; the window was not committed, so nothing moved past it.
    assert run.windows_done == 0 and run.new_count == 2
    assert not SyncCursor.objects.filter(shop=shop).exists()
    assert Alert.objects.filter(shop=shop, message__contains=f"run #{run.pk} failed").exists()


@pytest.mark.django_db(transaction=True)
def test_a_queued_sandbox_run_is_finished_by_the_worker(shop, sandbox, worker):
    connect(shop, sandbox)

    run, created = sync_run_request(shop=shop, kind=SyncKind.NEW)  # beat or "Sync now"
    run = wait_finished(run.pk)

    assert created and run.status == SyncStatus.SUCCEEDED, run.error
    assert "fixed examples" in run.note and run.attempts == 1
    assert run.api_calls == len(vendor_calls(sandbox))
