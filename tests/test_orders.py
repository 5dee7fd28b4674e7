"""The order book: creating orders, credit rows, parameters, the grid and the detail page."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import ShopCtrlError
from orders import selectors
from orders.models import Channel, Order, OrderRow, PurchaseType
from orders.selectors import (
    Cursor,
    OrderGridFilters,
    order_grid_page,
    product_order_ids,
    product_row_condition,
)
from orders.services import CustomerInput, OrderInput, RowInput, order_create
from shops.models import AddressFormat, AuditEntry, CreditReason, NameFormat, OrderStatus
from tests.support.factories import make_order


def test_order_number_is_unique_per_shop(shop, other_shop):
    make_order(shop, "PO1")
    make_order(other_shop, "PO1")  # another shop may reuse it
    with pytest.raises(ShopCtrlError, match="already exists"):
        make_order(shop, "PO1")
    assert Order.objects.filter(number="PO1").count() == 2


@pytest.mark.parametrize(
    ("address_format", "name_format", "expected"),
    [
        (
            AddressFormat.SINGLE,
            NameFormat.SINGLE,
            {"customer_name": "Amazon EU SARL", "address_line": "Amazonstraße 1", "street": ""},
        ),
        (
            AddressFormat.SEPARATE,
            NameFormat.FIRST_LAST,
            {
                "customer_name": "",
                "customer_last_name": "SARL",
                "street": "Amazonstraße",
                "house_number": "1",
                "address_line": "",
            },
        ),
    ],
)
def test_customer_is_stored_per_contact_info_settings(shop, address_format, name_format, expected):
    shop.address_format, shop.name_format = address_format, name_format
    shop.save()
    order = make_order(shop, "PO2")
    for field, value in expected.items():
        assert getattr(order, field) == value, field
    assert order.address_display.startswith("Amazonstraße 1, 04347 Leipzig")


def test_credit_rows_cannot_exceed_the_row(shop, order, admin_user):
    from orders.services import order_credit_row_add

    row = order.rows.first()  # 12 ordered
    reason = CreditReason.objects.filter(shop=shop).first()
    order_credit_row_add(actor=admin_user, order=order, row=row, quantity=10, reason=reason)
    with pytest.raises(ShopCtrlError, match="Only 2"):
        order_credit_row_add(actor=admin_user, order=order, row=row, quantity=3, reason=reason)
    order_credit_row_add(actor=admin_user, order=order, row=row, quantity=2, reason=reason)
    assert sum(c.quantity for c in row.credit_rows.all()) == 12


def test_credit_row_and_parameter_via_the_page(admin_client, shop, order):
    url = reverse("orders:order-detail", args=[shop.pk, order.pk])
    reason = CreditReason.objects.get(shop=shop, name="Out of stock")
    response = admin_client.post(
        reverse("orders:credit-row-add", args=[shop.pk, order.pk]),
        {"row": order.rows.first().pk, "quantity": 4, "reason": reason.pk},
    )
    assert response.status_code == 302
    admin_client.post(
        reverse("orders:parameter-set", args=[shop.pk, order.pk]),
        {"key": "ShipToPartyRef", "value": "LEJ9"},
    )

    page = admin_client.get(url).content.decode()
    assert "Out of stock" in page and "LEJ9" in page
    # 12 x 18.40 + 6 x 22.10 = 353.40; minus 4 x 18.40 = 279.80
    assert "279.80 EUR" in page
    actions = set(
        AuditEntry.objects.filter(target_id=str(order.pk)).values_list("action", flat=True)
    )
    assert {"order.create", "order.credit_row.create", "order.parameter.set"} <= actions


def test_viewer_sees_order_without_edit_forms(viewer_client, shop, order):
    page = viewer_client.get(reverse("orders:order-detail", args=[shop.pk, order.pk]))
    assert page.status_code == 200
    assert b"Add credit row" not in page.content


def _orders(shop, count):
    return [make_order(shop, f"PO{n:05d}", hours_ago=n) for n in range(count)]


def test_grid_pages_forward_and_back_without_gaps_or_duplicates(shop):
    created = _orders(shop, 23)
    seen, after, pages = [], None, []
    while True:
        page = order_grid_page(shop=shop, filters=OrderGridFilters(), after=after, page_size=5)
        pages.append(page)
        seen += [o.number for o in page.orders]
        if page.older is None:
            break
        after = page.older
    assert seen == [o.number for o in created]  # newest first, each once
    assert len(pages) == 5 and pages[0].newer is None

    back = order_grid_page(
        shop=shop, filters=OrderGridFilters(), before=pages[2].newer, page_size=5
    )
    assert [o.number for o in back.orders] == [o.number for o in pages[1].orders]


def test_grid_keeps_orders_with_the_same_timestamp_apart(shop):
    for n in range(7):
        make_order(shop, f"SAME{n}", hours_ago=0)
    first = order_grid_page(shop=shop, filters=OrderGridFilters(), page_size=4)
    second = order_grid_page(shop=shop, filters=OrderGridFilters(), after=first.older, page_size=4)
    numbers = [o.number for o in first.orders + second.orders]
    assert sorted(numbers) == sorted(f"SAME{n}" for n in range(7))


def test_grid_filters(shop, admin_client):
    amazon = make_order(shop, "PO-AMZ", hours_ago=30)
    manual = make_order(shop, "M-1", hours_ago=1, channel=Channel.MANUAL)
    bulk = make_order(shop, "PO-BULK", hours_ago=50)
    Order.objects.filter(pk=bulk.pk).update(purchase_type=PurchaseType.BULK_BUY)
    cancelled = OrderStatus.objects.get(shop=shop, name="Cancelled")
    Order.objects.filter(pk=amazon.pk).update(main_status=cancelled)
    url = reverse("orders:order-list", args=[shop.pk])

    def numbers(**params):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        return {o.number for o in response.context["page"].orders}

    assert numbers() == {"PO-AMZ", "M-1", "PO-BULK"}
    assert numbers(channel="manual") == {"M-1"}
    assert numbers(status=cancelled.pk) == {"PO-AMZ"}
    assert numbers(purchase_type="bulk_buy") == {"PO-BULK"}
    assert numbers(purchase_type="none") == {"PO-AMZ", "M-1"}
    assert numbers(q="PO-") == {"PO-AMZ", "PO-BULK"}
    assert numbers(date_from="2026-10-30", date_to="2026-10-30") == {"PO-BULK"}
    assert manual.number in numbers(date_from="2026-11-01")


# 10,000: a rare product, its orders named by ID and sorted; 0: every product is common,
# the grid walks its index and probes each order's rows.
@pytest.mark.parametrize("probe_orders", [10_000, 0])
def test_grid_product_filter_finds_orders_by_asin_ean_or_sku(
    shop, admin_client, monkeypatch, probe_orders
):
    monkeypatch.setattr(selectors, "PRODUCT_PROBE_ORDERS", probe_orders)
    kettle_and_toaster = make_order(shop, "PO-KT", hours_ago=3)  # EANs ...931 and ...948
    make_order(
        shop,
        "PO-BLEND",
        hours_ago=2,
        rows=[RowInput(asin="B07BLENDR3", ean="4006381333955", quantity=1, unit_price=Decimal(5))],
    )
    make_order(shop, "M-KT", hours_ago=1, channel=Channel.MANUAL)
    url = reverse("orders:order-list", args=[shop.pk])

    def numbers(**params):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        return [o.number for o in response.context["page"].orders]

    assert numbers(product="4006381333948") == ["M-KT", "PO-KT"]  # EAN, newest first
    assert numbers(product="B07BLENDR3") == ["PO-BLEND"]  # ASIN
    assert numbers(product=" TP-220 ") == ["M-KT", "PO-KT"]  # SKU, spaces ignored
    assert numbers(product="TP-220", channel="amazon_1p") == ["PO-KT"]  # with other filters
    assert numbers(product="4006381333") == []  # exact, not a prefix
    page = order_grid_page(shop=shop, filters=OrderGridFilters(product="KT-100"), page_size=1)
    assert [o.number for o in page.orders] == ["M-KT"] and page.older is not None
    older = order_grid_page(
        shop=shop, filters=OrderGridFilters(product="KT-100"), after=page.older, page_size=1
    )
    assert [o.pk for o in older.orders] == [kettle_and_toaster.pk]  # keyset paging holds
    newer = order_grid_page(
        shop=shop, filters=OrderGridFilters(product="KT-100"), before=older.newer, page_size=1
    )
    assert [o.number for o in newer.orders] == ["M-KT"]
    too_long = admin_client.get(url, {"product": "x" * 65})
    assert too_long.status_code == 400


def test_grid_product_filter_keeps_the_query_budget(shop, admin_client):
    _orders(shop, 60)
    url = reverse("orders:order-list", args=[shop.pk])
    admin_client.get(url, {"product": "KT-100"})
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, {"product": "KT-100"})
    assert len(response.context["page"].orders) == 50
    assert len(queries) <= 14


def test_product_lookups_can_use_the_rows_partial_product_indexes(db):
    """`asin = 'B0…'` must imply the indexes' `asin <> ''`, or the grid's product filter falls
    back to probing every order of its range (docs/metrics.md)."""
    rows = OrderRow.objects.filter(product_row_condition("B07BLENDR3"))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = rows.explain()
    for index in ("order_row_asin_idx", "order_row_ean_idx", "order_row_sku_idx"):
        assert index in plan


def test_product_order_ids_stop_at_the_probe_limit(shop, monkeypatch):
    first = make_order(shop, "PO-1", hours_ago=2)
    second = make_order(shop, "PO-2", hours_ago=1)
    assert sorted(product_order_ids("KT-100") or []) == [first.pk, second.pk]
    assert product_order_ids("NOPE") == []
    monkeypatch.setattr(selectors, "PRODUCT_PROBE_ORDERS", 1)
    assert product_order_ids("KT-100") is None  # common: the grid walks its index


def test_grid_reports_bad_filters_and_ignores_mangled_cursors(shop, admin_client):
    make_order(shop, "PO1")
    url = reverse("orders:order-list", args=[shop.pk])
    response = admin_client.get(url, {"date_from": "2026-12-01", "date_to": "2026-11-01"})
    assert response.status_code == 400  # shown with its reason (htmx swaps it in too)
    assert "end date is before" in response.content.decode()
    assert admin_client.get(url, {"after": "not-a-cursor"}).status_code == 200
    assert Cursor.decode("garbage") is None


def test_grid_never_counts_and_stays_within_a_query_budget(shop, admin_client):
    _orders(shop, 60)
    url = reverse("orders:order-list", args=[shop.pk])
    admin_client.get(url)  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"].orders) == 50
    sql = [q["sql"].upper() for q in queries]
    grid_queries = [s for s in sql if '"ORDERS_ORDER"' in s]
    assert not any("COUNT(" in s for s in grid_queries), grid_queries
    assert len(queries) <= 14, "\n".join(sql)


def test_grid_total_is_the_sum_of_its_rows(shop):
    order_create(
        shop=shop,
        data=OrderInput(
            number="T1",
            ordered_at=make_order(shop, "X").ordered_at,
            customer=CustomerInput(),
            rows=[
                RowInput(quantity=3, unit_price=Decimal("1.50")),
                RowInput(quantity=2, unit_price=Decimal("10")),
            ],
        ),
    )
    page = order_grid_page(shop=shop, filters=OrderGridFilters(search="T1"))
    assert page.orders[0].grid_total == Decimal("24.50")


@pytest.mark.parametrize("probe_rows", [5, 1000])
def test_search_pages_are_right_when_matches_are_old_and_sparse(shop, monkeypatch, probe_rows):
    """With few rows per probe the search takes its sparse-match path; the result must be
    the same pages, in the same order, as with a probe that sees everything."""
    from orders import selectors

    monkeypatch.setattr(selectors, "SEARCH_PROBE_ROWS", probe_rows)
    for n in range(30):  # OLD* are the oldest orders, NEW* the newest
        make_order(shop, f"{'OLD' if n >= 20 else 'NEW'}{n:03d}", hours_ago=n)
    filters = OrderGridFilters(search="OLD")

    first = order_grid_page(shop=shop, filters=filters, page_size=4)
    second = order_grid_page(shop=shop, filters=filters, after=first.older, page_size=4)
    back = order_grid_page(shop=shop, filters=filters, before=second.newer, page_size=4)

    assert [o.number for o in first.orders] == ["OLD020", "OLD021", "OLD022", "OLD023"]
    assert [o.number for o in second.orders] == ["OLD024", "OLD025", "OLD026", "OLD027"]
    assert [o.number for o in back.orders] == [o.number for o in first.orders]
    assert back.newer is None  # the first page has nothing newer
