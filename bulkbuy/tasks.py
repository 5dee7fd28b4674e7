"""Bulk Buy background jobs, and the sync's hook that enqueues the linking of a shop's POs.

The hook sits here, beside its task, rather than in bulkbuy/linking: this module imports
linking (to run it), so linking importing this module to enqueue would close a circle.
"""

from celery import shared_task

from bulkbuy.expiry import offers_expiry_alert
from bulkbuy.linking import purchase_orders_link
from core.tasks import delay_on_commit


@shared_task(name="bulkbuy.tasks.offers_expiry_alert")
def offers_expiry_alert_task() -> int:
    """Beat job: alert on offers about to expire and on expired ones (each once)."""
    return offers_expiry_alert()


@shared_task(name="bulkbuy.tasks.purchase_orders_link")
def purchase_orders_link_task(shop_id: int | None = None) -> int:
    """Link the orders that are due (never checked, or their PO changed) to completed
    offers: after each sync run for its shop, and from beat for every shop as a safety net.

    Idempotency key: the order, re-read under its row lock; overlapping or repeated runs
    check each due order once (see `purchase_orders_link`). Returns how many it checked.
    """
    return purchase_orders_link(shop_id=shop_id).checked


def purchase_orders_link_soon(*, shop_id: int) -> None:
    """The sync's hook: check the shop's new and changed POs in a task, once what the
    caller wrote is committed."""
    delay_on_commit(purchase_orders_link_task, shop_id=shop_id)
