"""Linking in the background: after each sync run (bulkbuy.tasks.purchase_orders_link_soon)
and from beat (`purchase_orders_link`), for the orders that are due — never checked, or their PO
changed at Amazon since their check."""

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F

from bulkbuy.linking.checks import order_check_locked
from bulkbuy.linking.facts import locked_order, po_hash
from bulkbuy.models import Offer, OfferStatus, OrderLink
from orders.models import Channel, Order, PurchaseType
from shops.models import Shop

logger = logging.getLogger(__name__)

BATCH = 200  # order ids read per query
# A beat run stops here and the next one goes on; a minute less than the beat interval of
# "bulkbuy-purchase-orders-link" (tests/bulkbuy/test_link_budget.py checks it).
TIME_BUDGET = timedelta(minutes=4)


@dataclass
class LinkRun:
    checked: int = 0
    changed: int = 0
    skipped: int = 0  # locked by another check at that moment; still due if it failed
    failed: int = 0
    stopped: bool = False  # out of time; the next run goes on


def _due_order_ids(shop_id: int) -> Iterator[int]:
    """Orders never checked, then orders whose PO changed since their check, by id."""
    unchecked = Order.objects.filter(
        shop_id=shop_id, channel=Channel.AMAZON_1P, purchase_type=PurchaseType.NONE
    )
    changed = Order.objects.filter(
        shop_id=shop_id, offer_link__isnull=False, amazon_po__isnull=False
    ).exclude(offer_link__po_hash=F("amazon_po__content_hash"))
    for orders in (unchecked, changed):
        last = 0
        while True:
            ids = list(
                orders.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
            )
            yield from ids
            if len(ids) < BATCH:
                break
            last = ids[-1]


def _is_due(order: Order) -> bool:
    """Read under the order's lock: another run may have checked it meanwhile."""
    if order.channel == Channel.AMAZON_1P and order.purchase_type == PurchaseType.NONE:
        return True
    checked = OrderLink.objects.filter(order=order).values_list("po_hash", flat=True).first()
    current = po_hash(order)
    return checked is not None and bool(current) and checked != current


def _link_due(order_id: int, run: LinkRun) -> None:
    try:
        with transaction.atomic():
            order = locked_order(order_id, skip_locked=True)
            if order is None:
                run.skipped += 1
                return
            if not _is_due(order):
                return
            outcome = order_check_locked(order, actor=None)
    except Exception:  # one bad order must not stall the shop's linking; it stays due
        logger.exception("Linking order %s failed", order_id)
        run.failed += 1
        return
    run.checked += 1
    run.changed += outcome.changed


def _all_weekly_without_offers(shop_id: int) -> int:
    """A shop with no completed offer has nothing to link to: every unchecked Amazon order
    is Weekly, in one statement (a 20,000-PO import must not wait for 20,000 checks). A PO
    that changes later stays Weekly for the same reason; once an offer is completed, new
    orders get the full check."""
    if Offer.objects.filter(shop_id=shop_id, status=OfferStatus.COMPLETED).exists():
        return 0
    return Order.objects.filter(
        shop_id=shop_id, channel=Channel.AMAZON_1P, purchase_type=PurchaseType.NONE
    ).update(purchase_type=PurchaseType.WEEKLY)


def purchase_orders_link(
    *, shop_id: int | None = None, time_budget: timedelta = TIME_BUDGET
) -> LinkRun:
    """Check every order that is due (never checked, or its PO changed since), in every
    shop or in one.

    Side effects: as `order_link_check`, per order, each in its own transaction.
    Idempotency: an order is due until its check commits, and is re-read under its lock —
    a second or overlapping run skips what the first did or holds. Stops after
    `time_budget`; the next run goes on.
    """
    deadline = time.monotonic() + time_budget.total_seconds()
    run = LinkRun()
    shop_ids = [shop_id] if shop_id else list(Shop.objects.values_list("pk", flat=True))
    for current in shop_ids:
        weekly = _all_weekly_without_offers(current)
        run.checked += weekly
        run.changed += weekly
        for order_id in _due_order_ids(current):
            if time.monotonic() > deadline:
                run.stopped = True
                return run
            _link_due(order_id, run)
    return run
