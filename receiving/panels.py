"""The order page's receiving panel (registered in receiving/apps.py; see orders/panels.py):
what Amazon received of an Amazon PO we shipped."""

from amazon1p.acknowledgements.models import AckStatus
from amazon1p.acknowledgements.panels import order_page_acknowledgements
from amazon1p.acknowledgements.selectors import HISTORY_SHOWN
from amazon1p.importing.panels import order_page_purchase_order
from orders.panels import OrderPage
from receiving.selectors import ReconOrder, accepted_lines, order_reconciliation


def order_page_receiving(page: OrderPage) -> ReconOrder | None:
    amazon = order_page_purchase_order(page)
    if amazon is None:
        return None
    # What Amazon's acknowledgements accepted, from those the acknowledgement panel read:
    # when they are fewer than it reads, they are all of them.
    acks = order_page_acknowledgements(page)
    answers = None
    if len(acks) < HISTORY_SHOWN:
        successful = [ack for ack in reversed(acks) if ack.status == AckStatus.SUCCESS]
        answers = accepted_lines(line for ack in successful for line in ack.lines.all())
    return order_reconciliation(page.order, purchase_order=amazon.purchase_order, answers=answers)
