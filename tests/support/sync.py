"""Running PO imports against the simulator and waiting for them as a worker would."""

import time

from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from amazon1p.models import (
    SyncRun,
    SyncStatus,
)
from tests.support.amazon import vendor_client_for


def simulator_numbers(sim, start, end) -> set[str | None]:
    with vendor_client_for(sim) as client:
        numbers: set[str | None] = set()
        for page in client.list_purchase_orders(created_after=start, created_before=end):
            numbers.update(po.number for po in page.orders)
            numbers.update(po.number for po in page.malformed)  # a malformed PO may have none
        return numbers


def run_sync(shop, kind, sim, **kwargs):
    run, created = sync_run_request(shop=shop, kind=kind, enqueue=False, **kwargs)
    assert created
    with vendor_client_for(sim) as client:
        return sync_run_execute(run_id=run.pk, client=client)


def wait_finished(run_id: int, seconds: float = 40) -> SyncRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = SyncRun.objects.get(pk=run_id)
        if run.status not in (SyncStatus.QUEUED, SyncStatus.RUNNING):
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish: {SyncRun.objects.get(pk=run_id).status}")
