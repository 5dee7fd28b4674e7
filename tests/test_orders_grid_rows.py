"""The orders grid's rows (drawn in Python, orders/grid_rows.py) and its number search."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.grid_rows import money
from orders.models import Order
from orders.selectors import OrderGridFilters, order_grid_page
from orders.services import CustomerInput, OrderInput, RowInput, order_create
from tests.support.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0"), "0.00"),
        (Decimal("1234.5"), "1,234.50"),
        (Decimal("1234567.005"), "1,234,567.01"),  # half up, as floatformat
        (Decimal("-1234.5"), "-1,234.50"),
        (None, ""),
    ],
)
def test_money_reads_as_the_template_filters_did(amount, text):
    assert money(amount) == text


def test_a_grid_row_shows_the_order_and_escapes_what_it_shows(shop, admin_client):
    order = order_create(
        shop=shop,
        data=OrderInput(
            number="PO<1>",
            external_reference='<script>alert("x")</script>',
            ordered_at=timezone.now(),
            customer=CustomerInput(name="Tom & Jerry <GmbH>"),
            rows=[
                RowInput(quantity=1000, unit_price=Decimal("1.255")),
                RowInput(quantity=1, unit_price=None),  # no price: the total is an estimate
            ],
        ),
    )
    response = admin_client.get(reverse("orders:order-list", args=[shop.pk]))
    html = response.content.decode()
    grid = reverse("orders:order-list", args=[shop.pk])
    assert f'<a href="{grid}{order.pk}/"><strong>PO&lt;1&gt;</strong></a>' in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "Tom &amp; Jerry &lt;GmbH&gt;" in html
    assert f"{timezone.localtime(order.ordered_at):%Y-%m-%d %H:%M}" in html
    assert f"</span>1,255.00 {order.currency}</td>" in html
    assert 'title="Estimated: rows priced per weight unit' in html
    assert (
        f'<span class="badge {order.main_status.base_status}">{order.main_status.name}</span>'
        in html
    )


def test_a_search_naming_few_orders_reads_them_through_the_number_index(shop):
    for n in range(30):
        make_order(shop, f"PO{n:04d}", hours_ago=n)
    with CaptureQueriesContext(connection) as queries:
        page = order_grid_page(shop=shop, filters=OrderGridFilters(search="PO0007"))
    assert [o.number for o in page.orders] == ["PO0007"]
    order_queries = [q["sql"] for q in queries if '"orders_order"' in q["sql"]]
    # the matches by index, then just those sorted: no walk of the grid and no probe row
    assert len(order_queries) == 2, order_queries
    assert all("OFFSET" not in sql for sql in order_queries)


@pytest.mark.parametrize("matches", [4, 5, 6, 12])
def test_search_pages_are_the_same_on_either_side_of_the_few_matches_limit(shop, matches):
    """page_size 4 → at most 5 matches take the index path, more the grid walk; the pages
    (and whether there is an older one) must not depend on which."""
    for n in range(matches):
        make_order(shop, f"HIT{n:03d}", hours_ago=2 * n)
        make_order(shop, f"MISS{n:03d}", hours_ago=2 * n + 1)
    filters = OrderGridFilters(search="HIT")
    seen: list[str] = []
    page = order_grid_page(shop=shop, filters=filters, page_size=4)
    while True:
        seen += [o.number for o in page.orders]
        if page.older is None:
            break
        page = order_grid_page(shop=shop, filters=filters, after=page.older, page_size=4)
    assert seen == [f"HIT{n:03d}" for n in range(matches)]
    assert Order.objects.filter(shop=shop).count() == 2 * matches
