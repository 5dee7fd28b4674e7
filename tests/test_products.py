"""The product catalogue: filled from imported order rows (idempotently) and the Products page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from amazon1p.importing.models import SyncKind, SyncStatus
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from orders.catalogue import product_create, products_fill_from_orders, products_fill_from_rows
from orders.models import OrderRow, Product
from orders.services import RowInput
from shops.models import AuditEntry
from simulator import SimulatorConfig
from tests.support.amazon import connect, days_ago, vendor_client_for
from tests.support.factories import make_order

pytestmark = pytest.mark.django_db


def catalogue(shop) -> set[tuple[str, str, str]]:
    return set(Product.objects.filter(shop=shop).values_list("ean", "asin", "title"))


# --- Filling ------------------------------------------------------------------------------


def test_fill_from_rows_adds_unknown_products_once(shop, other_shop):
    rows = [
        ("4006381333931", "B000000001", "Kettle"),
        ("4006381333931", "B000000001", "Kettle (again, same page)"),
        ("", "B000000002", "Toaster"),
        ("4006381333948", "", "Mixer"),
        ("", "", "nothing to key on"),
    ]

    assert products_fill_from_rows(shop, rows) == 3
    assert products_fill_from_rows(shop, rows) == 0

    assert catalogue(shop) == {
        ("4006381333931", "B000000001", "Kettle"),
        ("", "B000000002", "Toaster"),
        ("4006381333948", "", "Mixer"),
    }
    assert not Product.objects.filter(shop=other_shop).exists()


def test_fill_completes_a_missing_id_only_when_no_other_product_has_it(shop, admin_user):
    def make(**values):
        return product_create(actor=admin_user, shop=shop, values=values)

    ean_only = make(ean="4006381333931")
    asin_only = make(asin="B000000009")
    both = make(ean="4006381333962", asin="B000000007")
    asin_only_too = make(asin="B000000008")

    created = products_fill_from_rows(
        shop,
        [
            ("4006381333931", "B000000001", "Kettle"),  # completes ean_only's ASIN
            ("4006381333948", "B000000009", "Toaster"),  # completes asin_only's EAN
            ("4006381333955", "B000000007", "Mixer"),  # `both` has an EAN: left alone
            ("4006381333962", "B000000008", "Lamp"),  # that EAN is `both`'s: not given away
        ],
    )

    assert created == 2
    for product in (ean_only, asin_only, both, asin_only_too):
        product.refresh_from_db()
    assert (ean_only.ean, ean_only.asin, ean_only.title) == ("4006381333931", "B000000001", "")
    assert (asin_only.ean, asin_only.asin) == ("4006381333948", "B000000009")
    assert (both.ean, both.asin) == ("4006381333962", "B000000007")
    assert asin_only_too.ean == ""
    assert not Product.objects.filter(ean="4006381333955").exists()
    assert Product.objects.filter(shop=shop).count() == 4
    assert products_fill_from_rows(shop, [("4006381333931", "B000000001", "Kettle")]) == 0


def test_fill_from_orders_button_service_is_idempotent_and_audited(shop, admin_user):
    make_order(shop, "PO1")  # rows: EANs 4006381333931 (Kettle), 4006381333948 (Toaster)
    make_order(
        shop,
        "PO2",
        rows=[RowInput(asin="B0CHAIR001", title="Chair", quantity=1, unit_price=Decimal(5))],
    )

    assert products_fill_from_orders(actor=admin_user, shop=shop) == 3
    assert products_fill_from_orders(actor=admin_user, shop=shop) == 0

    assert {(p[0], p[1]) for p in catalogue(shop)} == {
        ("4006381333931", ""),
        ("4006381333948", ""),
        ("", "B0CHAIR001"),
    }
    entries = AuditEntry.objects.filter(action="product.fill_from_orders")
    assert [e.changes["products"] for e in entries.order_by("id")] == [[None, 3], [None, 0]]


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=5, orders_per_day=24, rate_limits=False)


def test_amazon_import_fills_the_catalogue_from_new_orders_idempotently(shop, sim):
    connect(shop, sim)
    start, end = days_ago(2), days_ago(0)

    def sync():
        run, _ = sync_run_request(
            shop=shop, kind=SyncKind.NEW, enqueue=False, range_from=start, range_to=end
        )
        with vendor_client_for(sim) as client:
            run = sync_run_execute(run_id=run.pk, client=client)
        assert run.status == SyncStatus.SUCCEEDED, run.error
        return run

    assert sync().new_count > 0
    pairs = set(
        OrderRow.objects.filter(order__shop=shop)
        .exclude(ean="", asin="")
        .values_list("ean", "asin")
    )
    products = set(Product.objects.filter(shop=shop).values_list("ean", "asin"))
    assert pairs and pairs <= products  # every imported row's product is in the catalogue
    count = len(products)

    assert sync().new_count == 0
    assert products_fill_from_rows(shop, [(e, a, "") for e, a in pairs]) == 0
    assert Product.objects.filter(shop=shop).count() == count


# --- The Products page --------------------------------------------------------------------


def test_viewer_sees_and_searches_products_but_cannot_edit(shop, admin_user, viewer_client):
    kettle = product_create(
        actor=admin_user, shop=shop, values={"ean": "4006381333931", "title": "Kettle"}
    )
    product_create(actor=admin_user, shop=shop, values={"sku": "TP-1", "title": "Toaster"})
    url = reverse("orders:product-list", args=[shop.pk])

    page = viewer_client.get(url, {"q": "kett"})

    html = page.content.decode()
    assert page.status_code == 200 and "Kettle" in html and "Toaster" not in html
    assert "Add product" not in html and "Fill from orders" not in html
    assert (
        viewer_client.post(reverse("orders:product-add", args=[shop.pk]), {"sku": "A"}).status_code
        == 403
    )
    edit = reverse("orders:product-edit", args=[shop.pk, kettle.pk])
    assert viewer_client.post(edit, {"sku": "A"}).status_code == 403
    assert viewer_client.post(reverse("orders:product-fill", args=[shop.pk])).status_code == 403
    kettle.refresh_from_db()
    assert kettle.sku == "" and Product.objects.filter(shop=shop).count() == 2


def test_admin_adds_and_edits_a_product(shop, admin_client):
    response = admin_client.post(
        reverse("orders:product-add", args=[shop.pk]),
        {"ean": " 4006381333931 ", "asin": "b07xyz1234", "sku": "KT-1", "title": "Kettle"},
    )
    assert response.status_code == 302
    product = Product.objects.get(shop=shop)
    assert (product.ean, product.asin) == ("4006381333931", "B07XYZ1234")

    response = admin_client.post(
        reverse("orders:product-edit", args=[shop.pk, product.pk]),
        {"ean": "4006381333931", "asin": "B07XYZ1234", "sku": "KT-2", "title": "Kettle 2"},
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.sku, product.title) == ("KT-2", "Kettle 2")
    assert AuditEntry.objects.get(action="product.update").changes == {
        "sku": ["KT-1", "KT-2"],
        "title": ["Kettle", "Kettle 2"],
    }


def test_duplicate_ean_or_no_identifier_is_refused_on_the_field(shop, admin_user, admin_client):
    product_create(actor=admin_user, shop=shop, values={"ean": "4006381333931"})
    url = reverse("orders:product-add", args=[shop.pk])

    taken = admin_client.post(url, {"ean": "4006381333931", "title": "Copy"})
    nothing = admin_client.post(url, {"title": "No ids"})
    malformed = admin_client.post(url, {"ean": "12AB", "asin": "SHORT"})

    assert taken.status_code == nothing.status_code == malformed.status_code == 400
    assert "Another product of this shop has this EAN." in taken.content.decode()
    assert "Give the product an EAN, an ASIN or a SKU." in nothing.content.decode()
    assert "An EAN is 8 to 14 digits" in malformed.content.decode()
    assert "An ASIN is 10 letters or digits" in malformed.content.decode()
    assert Product.objects.filter(shop=shop).count() == 1


def test_same_ean_in_another_shop_is_fine(shop, other_shop, admin_user, other_admin):
    product_create(actor=admin_user, shop=shop, values={"ean": "4006381333931"})
    product_create(actor=other_admin, shop=other_shop, values={"ean": "4006381333931"})
    assert Product.objects.filter(ean="4006381333931").count() == 2


def test_fill_button_fills_from_the_order_rows(shop, order, admin_client):
    response = admin_client.post(reverse("orders:product-fill", args=[shop.pk]), follow=True)
    assert response.status_code == 200
    assert "2 products added or completed" in response.content.decode()
    assert Product.objects.filter(shop=shop).count() == 2


def test_other_shops_product_is_not_found(shop, admin_user, other_client):
    product = product_create(actor=admin_user, shop=shop, values={"sku": "X"})
    url = reverse("orders:product-edit", args=[shop.pk, product.pk])
    assert other_client.get(url).status_code == 404
