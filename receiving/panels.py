"""The order page's receiving panel (registered in receiving/apps.py; see orders/panels.py):
what Amazon received of an Amazon PO we shipped."""

from amazon1p.importing.panels import order_page_purchase_order
from orders.panels import OrderPage
from receiving.selectors import ReconOrder, order_reconciliation


def order_page_receiving(page: OrderPage) -> ReconOrder | None:
    amazon = order_page_purchase_order(page)
    if amazon is None:
        return None
    return order_reconciliation(page.order, purchase_order=amazon.purchase_order)
