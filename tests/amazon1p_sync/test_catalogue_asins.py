"""One EAN, several ASINs: the catalogue keeps every ASIN Amazon names for an EAN and raises an
alert, once, when an EAN comes with a new one."""

import copy

import pytest
from django.contrib.contenttypes.models import ContentType

from amazon1p.importing.sync import mapping_context
from amazon1p.importing.upsert import PoBatch, purchase_orders_upsert
from amazon1p.spapi.parsing import parse_purchase_order
from orders.models import Product, ProductAsin
from shops.models import Alert
from tests.support.amazon import connect
from tests.support.sandbox_examples import EXAMPLES

pytestmark = pytest.mark.django_db
EAN = "4006381333931"


class _Sim:
    base_url = "http://127.0.0.1:9"


def _po(number: str, asin: str) -> dict:
    raw = copy.deepcopy(next(po for po in EXAMPLES if po["purchaseOrderNumber"] == "TestPO3"))
    raw["purchaseOrderNumber"] = number
    item = raw["orderDetails"]["items"][0]
    item["amazonProductIdentifier"], item["vendorProductIdentifier"] = asin, EAN
    return raw


def _import(shop, ctx, *raws):
    return purchase_orders_upsert(
        PoBatch(shop=shop, ctx=ctx, orders=[parse_purchase_order(raw) for raw in raws])
    )


def _asin_alerts(shop):
    return list(
        Alert.objects.filter(
            shop=shop, target_type=ContentType.objects.get_for_model(Product)
        ).values_list("message", flat=True)
    )


def test_an_ean_with_a_new_asin_is_kept_and_alerted_once(shop):
    ctx = mapping_context(connect(shop, _Sim()))
    _import(shop, ctx, _po("ASINPO01", "B000000001"))
    product = Product.objects.get(shop=shop, ean=EAN)
    assert product.asin == "B000000001" and _asin_alerts(shop) == []

    _import(shop, ctx, _po("ASINPO02", "B000000002"))

    product.refresh_from_db()
    assert product.asin == "B000000001"  # the first stays the product's ASIN
    assert list(ProductAsin.objects.filter(product=product).values_list("asin", flat=True)) == [
        "B000000002"
    ]
    (alert,) = _asin_alerts(shop)
    assert EAN in alert and "B000000002" in alert and "B000000001" in alert
    assert "ASINPO02" in alert

    _import(shop, ctx, _po("ASINPO03", "B000000002"), _po("ASINPO04", "B000000003"))

    assert sorted(ProductAsin.objects.values_list("asin", flat=True)) == [
        "B000000002",
        "B000000003",
    ]
    alerts = _asin_alerts(shop)
    assert len(alerts) == 2
    assert any("B000000003" in alert and "ASINPO04" in alert for alert in alerts)
    assert Product.objects.filter(shop=shop).count() == 1
