"""Faithful to Amazon's data, over the wire: the simulator serves weight-priced lines, lines
without netCost and POs in a foreign currency (its switches, turned up here); the real client
imports them; acknowledgements go back to the simulator, which judges them."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from amazon1p.acknowledgements.rules import acknowledge_by_rule
from amazon1p.acknowledgements.services import acknowledgement_request
from amazon1p.models import AckStatus, AmazonPurchaseOrder
from amazon1p.spapi import parsing
from orders.models import Order, OrderRow, Product
from orders.selectors import order_alerts
from orders.services import order_row_price_set
from simulator import SimulatorConfig
from tests.support.acknowledgements import TRANSACTION_DELAY, deliver

pytestmark = pytest.mark.django_db

LABELS = {"POUNDS": "lb", "OUNCES": "oz", "GRAMS": "g", "KILOGRAMS": "kg"}


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    """This module's own simulator: a third of the lines priced by weight, a fifth without
    netCost, a quarter of the POs in INR (the shop's currency is EUR)."""
    return SimulatorConfig(
        seed=47,
        orders_per_day=240,
        transaction_delay=TRANSACTION_DELAY,
        rate_limits=False,
        weight_price_rate=0.3,
        no_net_cost_rate=0.2,
        foreign_currency_rate=0.25,
        foreign_currency="INR",
    )


def _acked(sim, number: str) -> list[dict]:
    """The acknowledgements of PO `number` the simulator received."""
    return [
        ack
        for entry in sim.requests()
        if entry.get("operation") == "submitAcknowledgement"
        for ack in (entry.get("body") or {}).get("acknowledgements", [])
        if ack.get("purchaseOrderNumber") == number
    ]


def _order_where(shop, test, used: set[str]) -> Order:
    for apo in AmazonPurchaseOrder.objects.filter(shop=shop, state="New").order_by("po_number"):
        if apo.po_number not in used and test(apo.raw["orderDetails"]["items"]):
            used.add(apo.po_number)
            assert apo.order is not None  # an imported PO has its order
            return apo.order
    raise AssertionError("no New PO of that kind")


USED: set[str] = set()


def test_every_imported_po_is_stored_as_amazon_sent_it(connected, shop):
    apos = list(AmazonPurchaseOrder.objects.filter(shop=shop).select_related("order"))
    assert len(apos) > 50
    kinds = {"weight": 0, "no_cost": 0, "foreign": 0}
    for apo in apos:
        details, order = apo.raw["orderDetails"], apo.order
        items = details["items"]
        net = [i["netCost"] for i in items if "netCost" in i]
        currency = (net or [i["listPrice"] for i in items])[0]["currencyCode"]
        assert order.currency == currency
        rows = list(order.rows.order_by("position"))
        for row, item in zip(rows, items, strict=True):
            if "netCost" in item:
                assert row.unit_price == Decimal(item["netCost"]["amount"])
                assert row.price_unit == item["netCost"].get("unitOfMeasure", "")
            else:
                assert row.unit_price is None
        assert order.parties["bill_to"]["party_id"] == details["billToParty"]["partyId"]
        assert order.parties["buying"]["party_id"] == details["buyingParty"]["partyId"]
        assert order.parties["selling"]["party_id"] == details["sellingParty"]["partyId"]
        # Grouped alerts (one per kind for all the POs that share it) count the order among
        # their items and show on its page.
        messages = list(order_alerts(order=order).values_list("message", flat=True))
        weight = any(row.price_unit for row in rows)
        unpriced = any(row.unit_price is None for row in rows)
        assert sum("per weight unit" in m for m in messages) == (1 if weight else 0)
        assert sum("without a net cost" in m for m in messages) == (1 if unpriced else 0)
        foreign = [m for m in messages if "not the shop currency" in m]
        assert len(foreign) == (1 if currency != "EUR" else 0)
        if foreign:
            assert "INR" in foreign[0] and "EUR" in foreign[0]
        kinds["weight"] += weight
        kinds["no_cost"] += unpriced
        kinds["foreign"] += currency != "EUR"
    assert all(kinds.values()), kinds


def test_order_page_shows_weight_prices_missing_prices_parties_and_the_json(
    connected, shop, admin_client
):
    order = (
        Order.objects.filter(
            shop=shop, rows__price_unit="POUNDS", rows__unit_price__isnull=False
        ).first()
        or Order.objects.filter(shop=shop).exclude(rows__price_unit="").first()
    )
    row = order.rows.exclude(price_unit="").first()
    page = admin_client.get(reverse("orders:order-detail", args=[shop.pk, order.pk]))
    html = page.content.decode()
    assert f"{row.unit_price:.2f} {order.currency} / {LABELS[row.price_unit]}" in html
    assert 'id="total-estimate"' in html and "estimated" in html
    assert "Bill-to party (invoices)" in html and order.parties["bill_to"]["party_id"] in html
    # the payload as Amazon sent it: indented JSON (double quotes, true/false), no repr
    assert "&quot;purchaseOrderNumber&quot;: &quot;" in html
    assert "isBackOrderAllowed&quot;: true" in html or "isBackOrderAllowed&quot;: false" in html
    assert "&#x27;purchaseOrderNumber&#x27;" not in html and ": True" not in html

    grid = admin_client.get(reverse("orders:order-list", args=[shop.pk])).content.decode()
    assert "Estimated: rows priced per weight unit or without a price" in grid

    unpriced = Order.objects.filter(shop=shop, rows__unit_price__isnull=True).first()
    html = admin_client.get(reverse("orders:order-detail", args=[shop.pk, unpriced.pk])).content
    assert b"missing" in html and b'id="row-price-form"' in html


def test_weight_priced_line_goes_back_per_its_weight_unit(connected, shop, admin_user, api, sim):
    order = _order_where(
        shop, lambda items: any(i.get("netCost", {}).get("unitOfMeasure") for i in items), USED
    )

    ack = deliver(acknowledgement_request(actor=admin_user, order=order), api)

    assert ack.status == AckStatus.SUCCESS, ack.errors
    raw_items = order.amazon_po.raw["orderDetails"]["items"]
    (sent,) = _acked(sim, order.number)
    for item, line in zip(raw_items, sent["items"], strict=True):
        if "netCost" in item:
            assert line["netCost"] == item["netCost"]  # amount, currency and weight unit
    assert any("unitOfMeasure" in line.get("netCost", {}) for line in sent["items"])


def test_po_without_net_cost_waits_for_a_price_then_the_rule_acknowledges(
    connected, shop, admin_user, api, sim
):
    order = _order_where(
        shop,
        lambda items: (
            any("netCost" not in i for i in items)
            and not any(i.get("netCost", {}).get("unitOfMeasure") for i in items)
            and all(i["orderedQuantity"]["amount"] > 0 for i in items)
        ),
        USED,
    )
    connected.auto_acknowledge_rule = "stock_and_cost"
    connected.save()
    po = parsing.parse_purchase_order(order.amazon_po.raw)
    for item in po.items:  # everything in stock, agreed at the PO's cost (list price if none)
        Product.objects.update_or_create(
            shop=shop,
            ean=item.vendor_product_id,
            defaults={
                "asin": item.asin,
                "stock_quantity": item.ordered_quantity.eaches,
                "agreed_cost": (item.net_cost or item.list_price).amount,
            },
        )

    held = acknowledge_by_rule(connected)
    assert order.number not in held.acknowledged
    assert any("no net cost" in f for f in held.held[order.number])

    for row in OrderRow.objects.filter(order=order, unit_price__isnull=True):
        item = po.items[row.position - 1]
        order_row_price_set(
            actor=admin_user, order=order, row=row, unit_price=item.list_price.amount
        )
    run = acknowledge_by_rule(connected)
    assert order.number in run.acknowledged, run.held.get(order.number)
    ack = deliver(order.acknowledgements.get(), api)

    assert ack.status == AckStatus.SUCCESS, ack.errors
    (sent,) = _acked(sim, order.number)
    for item, line in zip(po.items, sent["items"], strict=True):
        expected = item.net_cost or item.list_price
        assert Decimal(line["netCost"]["amount"]) == expected.amount
        assert line["netCost"]["currencyCode"] == order.currency


def test_manual_acknowledgement_without_a_net_cost_is_accepted(
    connected, shop, admin_user, api, sim
):
    order = _order_where(shop, lambda items: any("netCost" not in i for i in items), USED)

    ack = deliver(acknowledgement_request(actor=admin_user, order=order), api)

    assert ack.status == AckStatus.SUCCESS, ack.errors
    (sent,) = _acked(sim, order.number)
    raw_items = order.amazon_po.raw["orderDetails"]["items"]
    for item, line in zip(raw_items, sent["items"], strict=True):
        assert ("netCost" in line) == ("netCost" in item)


def test_zero_quantity_line_is_kept_shown_and_acknowledged(connected, shop, admin_user, api, sim):
    row = (
        OrderRow.objects.filter(order__shop=shop, quantity=0, order__amazon_po__state="New")
        .exclude(order__amazon_po__po_number__in=USED)
        .first()
    )
    if row is None:
        pytest.skip("the simulator's seed cancelled no line of a New PO in the window")
    order = row.order
    USED.add(order.number)
    assert not order.credit_rows.exists()

    ack = deliver(acknowledgement_request(actor=admin_user, order=order), api)

    assert ack.status == AckStatus.SUCCESS, ack.errors
    (sent,) = _acked(sim, order.number)
    line = sent["items"][row.position - 1]
    assert line["orderedQuantity"]["amount"] == 0
    assert [a["acknowledgedQuantity"]["amount"] for a in line["itemAcknowledgements"]] == [0]


def test_the_simulator_prices_per_po_in_one_currency(connected, shop):
    for apo in AmazonPurchaseOrder.objects.filter(shop=shop):
        codes = {
            money["currencyCode"]
            for item in apo.raw["orderDetails"]["items"]
            for money in (item.get("netCost"), item.get("listPrice"))
            if money
        }
        assert len(codes) == 1, json.dumps(apo.raw)[:300]
