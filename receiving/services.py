"""Receiving sync: read Amazon's PO status API for shipped POs not fully received, store each
line's receiving status (with a row per change), move the order's status through the shop's
mapping, and raise one shortage alert per PO once the grace days have passed.

Idempotent: receipts are upserted on the order row, history rows are unique per state,
the order status and the alert are compare-and-set, and one shop syncs at a time
(a PostgreSQL advisory lock; an overlapping run skips).
"""

import logging
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from amazon1p.models import AmazonConnection, AmazonStatus, StatusMapping
from amazon1p.spapi.client import VendorClient
from amazon1p.spapi.types import ItemStatus, PurchaseOrderStatus, Quantity
from orders.models import Order, OrderRow
from receiving.models import LineReceipt, LineReceiptChange, OrderReceiving, ReceiveStatus
from receiving.selectors import (
    Target,
    pos_created_between,
    receiving_targets,
    reconcile,
)
from shopctrl.folders import pass_lock
from shops.models import AlertSeverity, Shop
from shops.services import alert_raise

logger = logging.getLogger(__name__)

WINDOW = timedelta(days=7)  # Amazon: a created window may not exceed 7 days
HISTORY = timedelta(days=180)  # Amazon keeps PO data for six months
PAGE_SIZE = 100  # getPurchaseOrdersStatus: limit 1–100
AROUND = timedelta(hours=1)  # a single PO's created window (without one Amazon looks 7 days)


@dataclass
class ReceivingSyncResult:
    """What one receiving sync did."""

    skipped: bool = False  # another run of the shop held the lock
    targets: int = 0
    statuses: int = 0
    lines_changed: int = 0
    alerts: int = 0
    calls: int = 0
    throttled: int = 0


@dataclass(frozen=True)
class StatusQuery:
    """One read of the status API: a created window (listed) or a single PO."""

    start: datetime
    end: datetime
    po_number: str | None = None


def receiving_plan(shop: Shop, targets: list[Target]) -> list[StatusQuery]:
    """The cheapest reads covering `targets` (sorted by creation).

    Targets are grouped into created windows of at most 7 days, each starting just before
    its first target. Listing a window costs one call per 100 of the shop's POs created in
    it (we hold them all, so we know how many); asking for each target alone costs one call
    per target. Each window takes the cheaper of the two.
    """
    queries: list[StatusQuery] = []
    i = 0
    while i < len(targets):
        start = targets[i].created - timedelta(seconds=1)  # Amazon's window is (after, before]
        end = start + WINDOW
        j = i
        while j < len(targets) and targets[j].created <= end:
            j += 1
        members = targets[i:j]
        list_calls = max(1, math.ceil(pos_created_between(shop, start, end) / PAGE_SIZE))
        if list_calls < len(members):
            queries.append(StatusQuery(start, end))
        else:
            queries += [
                StatusQuery(t.created - AROUND, t.created + AROUND, t.po_number) for t in members
            ]
        i = j
    return queries


def _read(client: VendorClient, query: StatusQuery) -> Iterator[PurchaseOrderStatus]:
    pages = client.list_purchase_order_statuses(
        created_after=query.start,
        created_before=query.end,
        purchase_order_number=query.po_number,
        limit=PAGE_SIZE,
    )
    for page in pages:
        yield from page.statuses


def _eaches(quantity: Quantity | None) -> int:
    return 0 if quantity is None else quantity.eaches


def _status_of(item: ItemStatus) -> str:
    status = item.receive_status or ReceiveStatus.NOT_RECEIVED
    return status if status in ReceiveStatus.values else ReceiveStatus.NOT_RECEIVED


def purchase_order_receipts_store(
    *, shop: Shop, order_id: int, status: PurchaseOrderStatus, now: datetime
) -> int:
    """Store one PO's receiving status; returns how many lines changed.

    Idempotency key: the order row (receipt) and the (row, status, quantity, date) state
    (history). Unknown lines (no row at that position) are skipped with a log line.
    """
    rows = {row.position: row for row in OrderRow.objects.filter(order_id=order_id)}
    with transaction.atomic():
        current = {r.row_id: r for r in LineReceipt.objects.filter(order_id=order_id)}
        changed: list[LineReceipt] = []
        for item in status.items:
            try:
                row = rows[int(item.sequence_number)]
            except (KeyError, ValueError):
                logger.warning("PO %s: no row for line %s", status.number, item.sequence_number)
                continue
            state = (_status_of(item), _eaches(item.received_quantity), item.last_receive_date)
            known = current.get(row.pk)
            if known and state == (
                known.receive_status,
                known.received_quantity,
                known.last_receive_date,
            ):
                continue
            changed.append(
                LineReceipt(
                    shop=shop,
                    order_id=order_id,
                    row=row,
                    receive_status=state[0],
                    received_quantity=state[1],
                    last_receive_date=state[2],
                    updated_at=now,
                )
            )
        if changed:
            stored = LineReceipt.objects.bulk_create(
                changed,
                update_conflicts=True,
                unique_fields=["row"],
                update_fields=[
                    "receive_status",
                    "received_quantity",
                    "last_receive_date",
                    "updated_at",
                ],
            )
            ids = dict(
                LineReceipt.objects.filter(row_id__in=[r.row_id for r in stored]).values_list(
                    "row_id", "pk"
                )
            )
            LineReceiptChange.objects.bulk_create(
                [
                    LineReceiptChange(
                        receipt_id=ids[r.row_id],
                        receive_status=r.receive_status,
                        received_quantity=r.received_quantity,
                        last_receive_date=r.last_receive_date,
                        recorded_at=now,
                    )
                    for r in stored
                ],
                ignore_conflicts=True,
            )
        fully = status.status == "CLOSED" or (
            bool(status.items)
            and all(_status_of(i) == ReceiveStatus.RECEIVED for i in status.items)
        )
        OrderReceiving.objects.update_or_create(
            order_id=order_id,
            defaults={"shop": shop, "fully_received": fully, "checked_at": now},
        )
        if fully:
            _order_status_follow(order_id, AmazonStatus.RECEIVED)
        elif any(_eaches(i.received_quantity) for i in status.items):
            _order_status_follow(order_id, AmazonStatus.PARTIALLY_RECEIVED)
    return len(changed)


def _order_status_follow(order_id: int, amazon_status: str) -> None:
    """Set the order's main and payment status from the shop's mapping (compare-and-set:
    an order already there is not written)."""
    order = Order.objects.only("shop_id", "main_status_id", "payment_status_id").get(pk=order_id)
    mapping = StatusMapping.objects.filter(
        connection__shop_id=order.shop_id, amazon_status=amazon_status
    ).first()
    if mapping is None or mapping.main_status_id is None:
        return
    values = {"main_status_id": mapping.main_status_id}
    if mapping.payment_status_id:
        values["payment_status_id"] = mapping.payment_status_id
    Order.objects.filter(pk=order_id).exclude(**values).update(**values, updated_at=timezone.now())


def shortage_alerts_raise(*, shop: Shop, now: datetime, grace_days: int) -> int:
    """One alert per PO with a line received short of its ASN, `grace_days` after Amazon's
    last receipt of that PO. Idempotency key: `OrderReceiving.shortage_alerted_at`
    (compare-and-set, in the alert's transaction). Returns how many alerts were raised."""
    candidates = list(
        Order.objects.filter(
            shop=shop,
            receiving__shortage_alerted_at__isnull=True,
            line_receipts__last_receive_date__lte=now - timedelta(days=grace_days),
        ).distinct()
    )
    raised = 0
    for recon in reconcile(candidates):
        last = recon.last_receive_date
        if not recon.at_risk or last is None or last > now - timedelta(days=grace_days):
            continue
        with transaction.atomic():
            claimed = OrderReceiving.objects.filter(
                order=recon.order, shortage_alerted_at__isnull=True
            ).update(shortage_alerted_at=now)
            if not claimed:
                continue
            alert_raise(
                shop=shop,
                severity=AlertSeverity.WARNING,
                message=(
                    f"PO {recon.po_number}: Amazon received {recon.at_risk} units fewer than "
                    f"the ASN shipped ({recon.at_risk_value:.2f} {recon.order.currency} at "
                    f"risk of a shortage claim); last receipt {last:%Y-%m-%d}."
                ),
                target=recon.order,
            )
            raised += 1
    return raised


def receiving_sync(
    *, shop: Shop, client: VendorClient, now: datetime | None = None
) -> ReceivingSyncResult:
    """Read the receiving status of the shop's shipped, not fully received POs and store it.

    Side effects: LineReceipt/LineReceiptChange/OrderReceiving rows, order statuses, shortage
    alerts. No Amazon call runs inside a transaction; each PO is stored in its own. Running
    it twice, or after a failure halfway, gives the same rows. Raises AmazonTransientError
    (retry) after the client's own retries; what was stored before stays.
    """
    now = now or timezone.now()
    result = ReceivingSyncResult()
    with pass_lock(f"receiving-sync-{shop.pk}") as got:
        if not got:
            return ReceivingSyncResult(skipped=True)
        targets = receiving_targets(shop, oldest=now - HISTORY)
        result.targets = len(targets)
        wanted = {t.po_number: t.order_id for t in targets}
        calls, throttled = client.stats.calls, client.stats.throttled
        try:
            for query in receiving_plan(shop, targets):
                for status in _read(client, query):
                    order_id = wanted.get(status.number)
                    if order_id is None:
                        continue
                    result.statuses += 1
                    result.lines_changed += purchase_order_receipts_store(
                        shop=shop, order_id=order_id, status=status, now=now
                    )
        finally:
            result.calls = client.stats.calls - calls
            result.throttled = client.stats.throttled - throttled
        grace = (
            AmazonConnection.objects.filter(shop=shop)
            .values_list("shortage_grace_days", flat=True)
            .first()
        )
        result.alerts = shortage_alerts_raise(
            shop=shop, now=now, grace_days=7 if grace is None else grace
        )
    return result


def receiving_shops() -> Iterable[Shop]:
    """Shops whose Amazon sync is on and that send ASNs."""
    return Shop.objects.filter(
        amazon_connection__enabled=True, amazon_connection__export_shipments=True
    )
