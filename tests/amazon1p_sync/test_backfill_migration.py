"""amazon1p 0008: orders imported before prices kept their unit are read again from their PO."""

import importlib
from decimal import Decimal

import pytest
from django.apps import apps

from amazon1p.importing.sync import mapping_context
from amazon1p.importing.upsert import PoBatch, purchase_orders_upsert
from amazon1p.spapi.parsing import parse_purchase_order
from orders.models import Order, OrderRow
from tests.support.amazon import connect
from tests.support.sandbox_examples import EXAMPLES

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("amazon1p.migrations.0011_backfill_prices_currency_parties")


class _Sim:
    base_url = "http://127.0.0.1:9"


def _imported(shop, ctx, number: str) -> Order:
    raw = next(po for po in EXAMPLES if po["purchaseOrderNumber"] == number)
    purchase_orders_upsert(PoBatch(shop=shop, ctx=ctx, orders=[parse_purchase_order(raw)]))
    return Order.objects.get(shop=shop, number=number)


def test_backfill_restores_units_missing_prices_currency_and_parties(shop):
    ctx = mapping_context(connect(shop, _Sim()))
    weight = _imported(shop, ctx, "3TRD2IAB")
    unpriced = _imported(shop, ctx, "mock-purchaseOrderNumber1")
    # as the import stored them before: per each, 0.00, the shop's currency, no parties
    OrderRow.objects.filter(order=weight).update(price_unit="", list_price_unit="")
    OrderRow.objects.filter(order=unpriced).update(unit_price=Decimal(0))
    Order.objects.filter(pk__in=[weight.pk, unpriced.pk]).update(currency="EUR", parties={})

    backfill.forwards(apps, None)
    backfill.forwards(apps, None)  # twice: the same result

    row = weight.rows.get()
    assert (row.unit_price, row.price_unit, row.list_price_unit) == (
        Decimal("94.97"),
        "POUNDS",
        "POUNDS",
    )
    weight.refresh_from_db()
    assert weight.currency == "USD" and weight.parties["bill_to"] == {"party_id": "ABC1"}
    assert list(unpriced.rows.values_list("unit_price", flat=True)) == [None, None, None]
    unpriced.refresh_from_db()
    assert unpriced.currency == "INR" and set(unpriced.parties) == {
        "buying",
        "selling",
        "bill_to",
        "ship_to",
    }

    backfill.backwards(apps, None)
    assert not OrderRow.objects.filter(unit_price__isnull=True).exists()
