"""Reconciliation: which POs Amazon has that the shop lacks (missing), or that Amazon updated
(acknowledgement, receipt) since the last look (changed)."""

from collections.abc import Iterable
from datetime import datetime

from amazon1p.importing.fastpaths import rows_by_number
from amazon1p.importing.models import AmazonPurchaseOrder, SyncRun
from amazon1p.importing.order_mapping import MappingContext
from amazon1p.importing.pages import Progress, RunRecorder, store_numbers
from amazon1p.spapi.client import VendorClient
from amazon1p.spapi.types import PurchaseOrderStatusPage
from shops.models import Shop


def _status_numbers(
    pages: Iterable[PurchaseOrderStatusPage], recorder: RunRecorder | None
) -> set[str]:
    """The PO numbers of status pages; an unreadable status still names its PO, and goes
    on the run's errors (`recorder`, when there is a run)."""
    numbers: set[str] = set()
    for page in pages:
        numbers |= page.numbers
        if recorder is not None:
            recorder.unreadable_statuses(page)
    return numbers


def updated_numbers(
    client: VendorClient,
    shop: Shop,
    start: datetime,
    end: datetime,
    recorder: RunRecorder | None = None,
) -> list[str]:
    """POs the shop has whose status Amazon updated in [start, end) (status API)."""
    numbers = _status_numbers(
        client.list_purchase_order_statuses(updated_after=start, updated_before=end), recorder
    )
    known = rows_by_number(AmazonPurchaseOrder, shop.pk, "po_number", list(numbers), ("po_number",))
    return sorted(number for (number,) in known)


def missing_numbers(
    client: VendorClient,
    shop: Shop,
    start: datetime,
    end: datetime,
    recorder: RunRecorder | None = None,
) -> list[str]:
    """POs created in [start, end) that Amazon lists (status API and order list) and the shop
    has not stored. Reads only; two listings per window."""
    numbers = _status_numbers(
        client.list_purchase_order_statuses(created_after=start, created_before=end), recorder
    )
    numbers.update(
        po.number
        for page in client.list_purchase_orders(
            created_after=start, created_before=end, include_details=False
        )
        for po in page.orders + page.malformed
        if po.number
    )
    stored = rows_by_number(
        AmazonPurchaseOrder, shop.pk, "po_number", list(numbers), ("po_number", "order_id")
    )
    known = {number for number, order_id in stored if order_id}
    return sorted(numbers - known)


def missing_window(
    client: VendorClient,
    start: datetime,
    end: datetime,
    *,
    run: SyncRun,
    ctx: MappingContext,
    recorder: RunRecorder,
    on_progress: Progress | None,
) -> None:
    """Import each PO of the window that the shop lacks, fetched one by one."""
    numbers = missing_numbers(client, run.shop, start, end, recorder)
    store_numbers(client, numbers, run=run, ctx=ctx, recorder=recorder, on_progress=on_progress)
