"""The order page's Amazon PO panel (registered in amazon1p/apps.py; see orders/panels.py)."""

from amazon1p.importing.selectors import OrderPurchaseOrder, order_purchase_order
from orders.panels import OrderPage


def order_page_purchase_order(page: OrderPage) -> OrderPurchaseOrder | None:
    """The Amazon PO the order was made from, read once per page (other panels ask too)."""
    return page.shared("amazon1p.purchase_order", lambda: order_purchase_order(page.order))
