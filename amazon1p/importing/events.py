"""What happens after a sync run stored a shop's new and changed POs, in the apps above
`amazon1p`.

Bulk Buy links the POs to its offers (and may acknowledge them to Amazon from there); the
sync cannot call it, as `bulkbuy` builds on `amazon1p`. So each such app registers a
reaction in `PURCHASE_ORDERS_IMPORTED` from its `AppConfig.ready()`, and the sync calls
`purchase_orders_imported` once a run has finished (docs/architecture.md, "The path of a
PO").
"""

from typing import Protocol

from core.registry import Registry


class PurchaseOrdersImportedReaction(Protocol):
    def __call__(self, *, shop_id: int) -> None: ...


PURCHASE_ORDERS_IMPORTED: Registry[PurchaseOrdersImportedReaction] = Registry(
    "reactions to imported purchase orders"
)


def purchase_orders_imported(*, shop_id: int) -> None:
    """Run every registered reaction, in priority order, for the shop whose run finished.

    Called outside any transaction; a reaction that sends work to a worker enqueues it on
    commit. Reactions must be safe to run twice (a run retried by its task ends again)."""
    for reaction in PURCHASE_ORDERS_IMPORTED.entries():
        reaction(shop_id=shop_id)
