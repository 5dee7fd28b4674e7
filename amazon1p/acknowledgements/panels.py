"""The order page's acknowledgement panel (registered in amazon1p/apps.py; see
orders/panels.py): shown for orders made from an Amazon PO."""

from amazon1p.acknowledgements.models import Acknowledgement
from amazon1p.acknowledgements.selectors import (
    AcknowledgementPanel,
    acknowledgement_panel,
    order_acknowledgements,
)
from amazon1p.importing.panels import order_page_purchase_order
from orders.panels import OrderPage
from shops.permissions import Perm


def order_page_acknowledgements(page: OrderPage) -> list[Acknowledgement]:
    """The order's newest acknowledgements with their lines (`order_acknowledgements`), read
    once per page: the receiving panel reads what they accepted."""
    return page.shared("amazon1p.acknowledgements", lambda: order_acknowledgements(page.order))


def order_page_acknowledgement(page: OrderPage) -> AcknowledgementPanel | None:
    amazon = order_page_purchase_order(page)
    if amazon is None:
        return None
    perms = page.request.shop_permissions  # type: ignore[attr-defined]
    return acknowledgement_panel(
        page.order,
        may_acknowledge=Perm.ORDERS_ACKNOWLEDGE in perms,
        form=page.forms.get("ack_form"),
        purchase_order=amazon.purchase_order,
        acknowledgements=order_page_acknowledgements(page),
        row_titles=page.row_titles,
    )
