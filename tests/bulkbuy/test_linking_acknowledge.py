"""A linked order is acknowledged to Amazon in full when the shop asks for it: through the
acknowledgement outbox, only when acknowledging is on and the order may be acknowledged,
and never twice."""

import pytest

from amazon1p.acknowledgements.models import Acknowledgement, AckOrigin, AckStatus
from amazon1p.acknowledgements.services import acknowledgement_request
from bulkbuy.linking import order_link_by_hand, order_link_check, purchase_orders_link
from bulkbuy.models import OrderLink
from orders.models import Order, PurchaseType
from orders.services import order_credit_row_add
from shops.models import CreditReason, OrderStatus
from tests.support.linking import Line, completed_offer, connect, import_po

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(shop, admin_user):
    connect(shop, auto_acknowledge_bulk_buy=True)
    return completed_offer(shop, admin_user, products=(1, 2), final=100)


def note(order) -> str:
    return OrderLink.objects.get(order=order).acknowledgement_note


def test_a_linked_order_is_acknowledged_in_full_once(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 40), Line(2, 60)])

    purchase_orders_link(shop_id=shop.pk)
    order_link_check(order_id=order.pk)
    import_po(shop, "PO-1", [Line(1, 40), Line(2, 50)])  # changed at Amazon, still fits
    purchase_orders_link(shop_id=shop.pk)

    (ack,) = Acknowledgement.objects.filter(order=order)
    assert (ack.origin, ack.status, ack.created_by) == (AckOrigin.BULK_BUY, AckStatus.PENDING, None)
    assert sorted(ack.lines.values_list("accepted", "rejected", "backordered")) == [
        (40, 0, 0),
        (60, 0, 0),
    ]
    assert [item["itemSequenceNumber"] for item in ack.payload["items"]] == ["1", "2"]
    assert note(order) == ""


def test_a_link_by_hand_is_acknowledged_with_the_credited_part_rejected(shop, offer, admin_user):
    order = import_po(shop, "PO-1", [Line(1, 130)])
    purchase_orders_link(shop_id=shop.pk)
    assert not Acknowledgement.objects.filter(order=order).exists()  # Undefined: not linked
    reason = CreditReason.objects.get(shop=shop, name="Out of stock")
    row = order.rows.get()
    order_credit_row_add(actor=admin_user, order=order, row=row, quantity=30, reason=reason)

    order_link_by_hand(actor=admin_user, order_id=order.pk, offer_id=offer.pk, stage=1)

    line = Acknowledgement.objects.get(order=order, origin=AckOrigin.BULK_BUY).lines.get()
    assert (line.accepted, line.rejected) == (100, 30)


def test_an_order_acknowledged_before_is_not_acknowledged_again(shop, offer, admin_user):
    order = import_po(shop, "PO-1", [Line(1, 40)])
    acknowledgement_request(actor=admin_user, order=order)

    purchase_orders_link(shop_id=shop.pk)

    assert Order.objects.get(pk=order.pk).purchase_type == PurchaseType.BULK_BUY
    assert list(Acknowledgement.objects.filter(order=order).values_list("origin", flat=True)) == [
        AckOrigin.MANUAL
    ]


def test_nothing_is_acknowledged_while_acknowledging_is_off(shop, offer):
    shop.amazon_connection.acknowledge_orders = False
    shop.amazon_connection.save()
    order = import_po(shop, "PO-1", [Line(1, 40)])

    purchase_orders_link(shop_id=shop.pk)

    assert not Acknowledgement.objects.exists()
    assert note(order).startswith("Not acknowledged automatically: Acknowledging orders is")


def test_an_order_in_a_status_not_acknowledgeable_waits_for_a_recheck(shop, offer):
    order = import_po(shop, "PO-1", [Line(1, 40)])
    held = OrderStatus.objects.get(shop=shop, name="On hold")
    Order.objects.filter(pk=order.pk).update(main_status=held)

    purchase_orders_link(shop_id=shop.pk)
    assert not Acknowledgement.objects.exists()
    assert "cannot be acknowledged" in note(order)

    Order.objects.filter(pk=order.pk).update(
        main_status=OrderStatus.objects.get(shop=shop, name="New")
    )
    order_link_check(order_id=order.pk)

    assert Acknowledgement.objects.get(order=order).origin == AckOrigin.BULK_BUY
    assert note(order) == ""


def test_a_shop_that_does_not_ask_gets_no_acknowledgement(shop, offer):
    shop.amazon_connection.auto_acknowledge_bulk_buy = False
    shop.amazon_connection.save()
    order = import_po(shop, "PO-1", [Line(1, 40)])

    purchase_orders_link(shop_id=shop.pk)

    assert Order.objects.get(pk=order.pk).purchase_type == PurchaseType.BULK_BUY
    assert not Acknowledgement.objects.exists()
    assert note(order) == ""
