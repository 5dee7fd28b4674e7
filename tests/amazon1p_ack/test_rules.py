"""Automatic acknowledgement by rule: every line in stock at the agreed cost → accepted in
full, sent to the simulator; otherwise held, with the reasons on the order page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from amazon1p.acknowledgements.rules import acknowledge_by_rule
from amazon1p.models import Acknowledgement, AckOrigin, AckStatus, AmazonPurchaseOrder
from amazon1p.spapi import parsing
from amazon1p.tasks import acknowledgements_by_rule_task
from orders.models import Product
from tests.support.acknowledgements import USED_PO_NUMBERS as USED
from tests.support.acknowledgements import deliver, fresh_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule_on(connected):
    connected.auto_acknowledge_rule = "stock_and_cost"
    connected.save()
    return connected


def _stock(order, *, extra: int = 0, cost_delta: Decimal = Decimal(0)) -> list[Product]:
    """Catalogue entries for the order's lines: stock = ordered + extra, cost = PO cost + delta."""
    po = parsing.parse_purchase_order(order.amazon_po.raw)
    products = []
    for item in po.items:
        assert item.net_cost is not None
        product, _ = Product.objects.update_or_create(
            shop=order.shop,
            ean=item.vendor_product_id,
            defaults={
                "asin": item.asin,
                "stock_quantity": item.ordered_quantity.eaches + extra,
                "agreed_cost": item.net_cost.amount + cost_delta,
            },
        )
        products.append(product)
    return products


def test_po_in_stock_at_the_agreed_cost_is_acknowledged_by_rule(rule_on, shop, api):
    Product.objects.filter(shop=shop).update(stock_quantity=None, agreed_cost=None)
    order = fresh_order(shop)
    _stock(order, extra=10**6)  # other POs for the same products at that cost qualify too

    result = acknowledge_by_rule(rule_on)

    assert order.number in result.acknowledged
    assert set(
        Acknowledgement.objects.filter(order__shop=shop).values_list("order__number", flat=True)
    ) == set(result.acknowledged)
    ack = Acknowledgement.objects.get(order=order)
    assert ack.origin == AckOrigin.RULE and ack.created_by is None
    assert deliver(ack, api).status == AckStatus.SUCCESS
    assert acknowledge_by_rule(rule_on).acknowledged == []  # run twice: nothing more
    assert Acknowledgement.objects.filter(order__shop=shop).count() == len(result.acknowledged)


def test_cost_mismatch_holds_the_po_and_the_page_says_why(rule_on, shop, admin_client):
    Product.objects.filter(shop=shop).update(stock_quantity=None, agreed_cost=None)
    order = fresh_order(shop)
    _stock(order, cost_delta=Decimal("-0.50"))

    result = acknowledge_by_rule(rule_on)

    assert order.number in result.held and order.number not in result.acknowledged
    assert "≠ agreed" in result.held[order.number][0]
    assert not Acknowledgement.objects.filter(order=order).exists()
    page = admin_client.get(reverse("orders:order-detail", args=[shop.pk, order.pk]))
    html = page.content.decode()
    assert "data-rule-held" in html and "≠ agreed" in html


def _two_pos_sharing_a_product(shop):
    """Two fresh New POs with a product in common, and that product's EAN."""
    pos = [
        (apo, parsing.parse_purchase_order(apo.raw))
        for apo in AmazonPurchaseOrder.objects.filter(shop=shop, state="New").exclude(
            po_number__in=USED
        )
    ]

    def costs(po):
        return {item.vendor_product_id: item.net_cost.amount for item in po.items}

    for i, (a, po_a) in enumerate(pos):
        for b, po_b in pos[i + 1 :]:
            # Shared at the same cost (bulk POs are discounted), so only stock can hold one.
            shared = [ean for ean, cost in costs(po_a).items() if costs(po_b).get(ean) == cost]
            if shared and not set(costs(po_a)) & set(costs(po_b)) - set(shared):
                USED.update({a.po_number, b.po_number})
                return (a.order, po_a), (b.order, po_b), shared[0]
    raise AssertionError("no two POs share a product")


def test_stock_promised_to_one_po_is_not_promised_to_the_next(rule_on, shop):
    Product.objects.filter(shop=shop).update(stock_quantity=None, agreed_cost=None)
    (first, po_a), (second, po_b), ean = _two_pos_sharing_a_product(shop)
    # Only these two are candidates; everything else in stock at the agreed cost.
    AmazonPurchaseOrder.objects.filter(shop=shop).exclude(
        pk__in=[first.amazon_po.pk, second.amazon_po.pk]
    ).update(state="Acknowledged")
    _stock(first, extra=10**6)
    _stock(second, extra=10**6)
    need = [
        sum(i.ordered_quantity.eaches for i in po.items if i.vendor_product_id == ean)
        for po in (po_a, po_b)
    ]
    Product.objects.filter(shop=shop, ean=ean).update(stock_quantity=sum(need) - 1)

    result = acknowledge_by_rule(rule_on)

    assert len(result.acknowledged) == 1
    held = second.number if first.number in result.acknowledged else first.number
    assert any("in stock" in reason for reason in result.held[held])


def test_rule_off_acknowledges_nothing_and_the_beat_task_respects_it(connected, shop):
    order = fresh_order(shop)
    _stock(order, extra=100)
    assert acknowledgements_by_rule_task() == 0
    assert not Acknowledgement.objects.filter(order=order).exists()
