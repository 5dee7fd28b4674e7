"""A row the channel sent without a price: staff set it once, on the order page (audited)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import ShopCtrlError
from orders.models import OrderRow
from orders.services import order_row_price_set
from shops.models import AuditEntry
from tests.support.factories import make_order

pytestmark = pytest.mark.django_db


def _unpriced(shop):
    order = make_order(shop, "PO-NOCOST")
    row = order.rows.first()
    OrderRow.objects.filter(pk=row.pk).update(unit_price=None)
    return order, row


def test_admin_sets_the_missing_price_once(shop, admin_client):
    order, row = _unpriced(shop)
    url = reverse("orders:row-price-set", args=[shop.pk, order.pk])
    page = admin_client.get(reverse("orders:order-detail", args=[shop.pk, order.pk]))
    assert b'id="row-price-form"' in page.content and b"missing" in page.content
    assert b'id="total-estimate"' in page.content

    response = admin_client.post(url, {"row": row.pk, "unit_price": "12.50"})

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.unit_price == Decimal("12.50")
    entry = AuditEntry.objects.get(action="order.row.price_set")
    assert entry.changes == {f"row {row.position} unit price": [None, "12.50"]}
    again = admin_client.post(url, {"row": row.pk, "unit_price": "13"})
    assert again.status_code == 400  # no row without a price is left to choose
    row.refresh_from_db()
    assert row.unit_price == Decimal("12.50")


def test_viewer_may_not_set_a_price(shop, viewer_client):
    order, row = _unpriced(shop)
    url = reverse("orders:row-price-set", args=[shop.pk, order.pk])
    assert viewer_client.post(url, {"row": row.pk, "unit_price": "1"}).status_code == 403
    row.refresh_from_db()
    assert row.unit_price is None


def test_a_price_must_be_positive_and_only_a_missing_one_is_set(shop, admin_user):
    order, row = _unpriced(shop)
    with pytest.raises(ShopCtrlError, match="more than zero"):
        order_row_price_set(actor=admin_user, order=order, row=row, unit_price=Decimal(0))
    priced = order.rows.exclude(pk=row.pk).get()  # make_order's second row, priced
    with pytest.raises(ShopCtrlError, match="already has a price"):
        order_row_price_set(actor=admin_user, order=order, row=priced, unit_price=Decimal(1))
