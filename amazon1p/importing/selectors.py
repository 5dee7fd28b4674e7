"""Reads for the sync-runs page, the shop-level health badge and the order page's PO panel."""

from dataclasses import dataclass

from django.db.models import QuerySet

from amazon1p.importing.models import (
    WAITING_SYNC_STATUSES,
    AmazonPurchaseOrder,
    AmazonPurchaseOrderVersion,
    SyncRun,
    SyncStatus,
)
from amazon1p.importing.services import sync_run_needs_worker
from amazon1p.importing.sync import sync_run_is_stale
from orders.models import Order
from shops.models import Shop

VERSIONS_SHOWN = 20


@dataclass(frozen=True)
class SyncHealth:
    """The badge: `css` is one of the badge classes in app.css."""

    label: str
    css: str
    run: SyncRun | None


def sync_run_list(shop: Shop) -> QuerySet[SyncRun]:
    return SyncRun.objects.filter(shop=shop).select_related("created_by")


def sync_run_running(shop: Shop) -> SyncRun | None:
    """The shop's running run, which its waiting runs wait behind (one query)."""
    return SyncRun.objects.filter(shop=shop, status=SyncStatus.RUNNING).first()


def sync_health(shop: Shop) -> SyncHealth:
    """The state of the shop's sync from its latest run (one query)."""
    run = SyncRun.objects.filter(shop=shop).first()
    if run is None:
        return SyncHealth("Never synced", "", None)
    if sync_run_is_stale(run):
        return SyncHealth("Stalled", "warning", run)
    if run.status in WAITING_SYNC_STATUSES and sync_run_needs_worker(run):
        return SyncHealth("Waiting for a worker", "warning", run)
    labels = {
        SyncStatus.QUEUED: ("Queued", "active"),
        SyncStatus.RUNNING: ("Running", "active"),
        SyncStatus.SUCCEEDED: ("Healthy", "finished"),
        SyncStatus.PARTIAL: ("Some POs failed", "warning"),
        SyncStatus.INTERRUPTED: ("Interrupted", "warning"),
        SyncStatus.FAILED: ("Failing", "error"),
    }
    label, css = labels[SyncStatus(run.status)]
    return SyncHealth(label, css, run)


@dataclass(frozen=True)
class OrderPurchaseOrder:
    """The Amazon PO an order was made from: its latest payload and its versions, newest
    first, each with what changed since the one before."""

    purchase_order: AmazonPurchaseOrder
    versions: list[AmazonPurchaseOrderVersion]
    more_versions: int


def order_purchase_order(order: Order) -> OrderPurchaseOrder | None:
    """None for orders that did not come from Amazon (two queries otherwise; one when the
    order comes with its PO, `select_related("amazon_po")`, as the order page reads it)."""
    try:
        po = order.amazon_po  # the reverse one-to-one
    except AmazonPurchaseOrder.DoesNotExist:
        return None
    versions = list(
        AmazonPurchaseOrderVersion.objects.filter(purchase_order=po)
        .defer("raw")  # the latest payload is on the PO; the diffs tell the rest
        .order_by("-version")[: VERSIONS_SHOWN + 1]
    )
    more = 0
    if len(versions) > VERSIONS_SHOWN:
        more = po.versions.count() - VERSIONS_SHOWN
        versions = versions[:VERSIONS_SHOWN]
    return OrderPurchaseOrder(po, versions, more)
