"""Linking purchase orders to completed Bulk Buy Offers (docs/amazon.md, "Bulk Buy Offers").

Every Amazon order gets a purchase type from a check against the shop's completed offers
(the rules themselves are in bulkbuy.matching):
- Bulk buy: it fits a delivery stage of an offer. OrderLinkLines record what each row takes
  from the offer; the offer's Orders tab lists it. If the shop asks for it
  (`auto_acknowledge_bulk_buy`), it is acknowledged to Amazon in full, once.
- Weekly: no completed offer names a product of the PO in a stage window overlapping the
  PO's delivery window.
- Undefined: some do, but the PO fits none. An alert lists the discrepancies of the closest
  stage, and the OrderLink keeps them for the order page. Staff credit what does not fit and
  re-check, or link by hand.

Choices made here:
- "Recent" offers: completed offers with a stage window overlapping the PO's delivery window
  — the PO's own window is the horizon, so nothing needs pruning by age. A stage whose final
  (Warehouse) quantity is 0 is not offered.
- The minimum days ahead count from the PO's date (Amazon's purchaseOrderDate), not from the
  day of the check, so a re-check weeks later reaches the same verdict.
- A PO that changes at Amazon (its content hash is not the one the check saw) is checked
  afresh: the lines it held are released first, so it keeps its stage if it still fits.
- A link made by hand waives the minimum-days rule only (a person vouches for a late PO), and
  holds while the PO is unchanged and still fits.
- Audit entries: for every check a person asks for, and for every link made or lost; not for
  the system's Weekly and Undefined verdicts (the Undefined alert says enough).

When: after each sync run (`bulkbuy.tasks.purchase_orders_link_soon`, the sync's reaction that
bulkbuy/apps.py registers), from beat every few minutes for orders never checked or whose PO
changed (`purchase_orders_link`), and on demand from the order page (`order_link_check`,
`order_link_by_hand`).

Concurrency and restarts: each order is checked in its own transaction that holds the
order's row lock, then the locks of every offer it may take from, in id order (two checks
cannot deadlock). What is left of an offer is summed only once its lock is held, so two
checks after the last units see each other's lines and never over-allocate. The beat job
skips locked orders and re-reads under the lock whether the order is still due, so
overlapping runs check each order once. A run killed halfway loses only the uncommitted
order, which is still due for the next run.
"""

from bulkbuy.linking.batch import LinkRun, purchase_orders_link
from bulkbuy.linking.checks import (
    LinkOutcome,
    LinkRefusedError,
    order_link_by_hand,
    order_link_check,
)

__all__ = [
    "LinkOutcome",
    "LinkRefusedError",
    "LinkRun",
    "order_link_by_hand",
    "order_link_check",
    "purchase_orders_link",
]
