"""Products' VAT categories (one of the shop's VAT tariffs): set on the Products page (one at a
time or in bulk, Shop Owner Admin only, never to another shop's tariff), taken by the order
rows an order or an Amazon import creates, and re-rated on request where no invoice bills."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from amazon1p.importing.merge import update_order
from amazon1p.importing.models import SyncKind, SyncStatus
from amazon1p.importing.order_mapping import OrderValues, RowValues
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from core.errors import ShopCtrlError
from orders.catalogue import product_create, product_update, product_vat_tariff_set
from orders.models import OrderRow, Product
from orders.services import RowInput
from shops.models import AuditEntry, VatTariff
from shops.services import shop_setting_delete
from simulator import SimulatorConfig
from simulator.catalogue import products_for
from tests.support.amazon import connect, days_ago, vendor_client_for
from tests.support.factories import UserFactory, add_member, make_order
from tests.support.web import web_client_for

pytestmark = pytest.mark.django_db

KETTLE, TOASTER = "4006381333931", "4006381333948"  # make_order's rows (EANs)


def tariff(shop, name: str) -> VatTariff:
    return VatTariff.objects.get(shop=shop, name=name)  # new shops: Standard, Reduced, Zero


def rates_by_ean(order) -> dict[str, Decimal]:
    return {row.ean: row.vat_tariff.rate for row in order.rows.select_related("vat_tariff")}


# --- Rows take their product's category -----------------------------------------------------


def test_an_order_row_takes_its_products_category_else_the_default(shop, admin_user):
    product_create(
        actor=admin_user,
        shop=shop,
        values={"ean": TOASTER, "title": "Toaster", "vat_tariff": tariff(shop, "Reduced")},
    )

    order = make_order(shop, "PO-V1")  # Kettle (no product) and Toaster (Reduced)

    assert rates_by_ean(order) == {KETTLE: Decimal("19.00"), TOASTER: Decimal("7.00")}


def test_an_order_row_given_another_shops_tariff_is_refused(shop, other_shop):
    row = RowInput(ean=KETTLE, quantity=1, unit_price=Decimal(1))
    foreign = tariff(other_shop, "Zero")
    with pytest.raises(ShopCtrlError) as refused:
        make_order(shop, "PO-V2", rows=[replace(row, vat_tariff=foreign)])
    assert refused.value.field == "vat_tariff"
    assert not OrderRow.objects.filter(order__shop=shop).exists()


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=13, orders_per_day=24, rate_limits=False)


def test_amazon_import_gives_rows_of_reduced_products_the_reduced_rate(shop, sim, admin_user):
    """Products filed before the import (by ASIN or by EAN only) give their rows their
    category; the products the import adds, and those without one, the default."""
    connect(shop, sim)
    reduced, zero = tariff(shop, "Reduced"), tariff(shop, "Zero")
    catalogue = products_for(13, "VNDR1")
    by_asin, by_ean = catalogue[0:30:3], catalogue[1:30:3]  # the rest: unknown before
    for product in by_asin:
        product_create(
            actor=admin_user, shop=shop, values={"asin": product.asin, "vat_tariff": reduced}
        )
    for product in by_ean:
        product_create(actor=admin_user, shop=shop, values={"ean": product.ean, "vat_tariff": zero})
    expected = {p.asin: reduced.pk for p in by_asin} | {p.asin: zero.pk for p in by_ean}
    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, enqueue=False, range_from=days_ago(2), range_to=days_ago(0)
    )

    with vendor_client_for(sim) as client:
        run = sync_run_execute(run_id=run.pk, client=client)

    assert run.status == SyncStatus.SUCCEEDED, run.error
    rows = list(OrderRow.objects.filter(order__shop=shop).values_list("asin", "vat_tariff_id"))
    assert {tariff_id for _, tariff_id in rows} == {
        reduced.pk,
        zero.pk,
        tariff(shop, "Standard").pk,
    }
    for asin, tariff_id in rows:
        assert tariff_id == expected.get(asin, tariff(shop, "Standard").pk), asin
    # the import added the products it did not know, without a category
    added = Product.objects.filter(shop=shop).exclude(asin__in=expected)
    assert added.exists() and not added.filter(vat_tariff__isnull=False).exists()


def test_a_line_amazon_adds_to_a_changed_po_takes_its_products_category(shop, admin_user):
    order = make_order(shop, "PO-M1")
    reduced, standard = tariff(shop, "Reduced"), tariff(shop, "Standard")
    product_create(
        actor=admin_user, shop=shop, values={"asin": "B0MIXER001", "vat_tariff": reduced}
    )

    def line(position: int, asin: str = "", ean: str = "") -> RowValues:
        return RowValues(position, asin, ean, 4, Decimal("9.50"), asin, None, None, None)

    kept = tuple(line(r.position, r.asin, r.ean) for r in order.rows.all())
    changed = OrderValues(
        number=order.number,
        ordered_at=order.ordered_at,
        currency=order.currency,
        amazon_status="New",
        main_status_id=order.main_status_id,
        payment_status_id=order.payment_status_id,
        payment_type_id=None,
        customer_name="Amazon EU SARL",
        address_line="Amazonstraße 1",
        postal_code="04347",
        city="Leipzig",
        country="DE",
        rows=(*kept, line(3, asin="B0MIXER001"), line(4, asin="B0UNKNOWN1")),
        parameters={},
    )

    update_order(shop, order, None, changed, standard.pk)

    added = dict(order.rows.filter(position__gt=2).values_list("position", "vat_tariff_id"))
    assert added == {3: reduced.pk, 4: standard.pk}


# --- Setting the category -------------------------------------------------------------------


def test_another_shops_tariff_is_refused_by_the_service_and_the_page(
    shop, other_shop, admin_user, admin_client
):
    kettle = product_create(actor=admin_user, shop=shop, values={"ean": KETTLE})
    foreign = tariff(other_shop, "Reduced")

    for attempt in (
        lambda: product_create(
            actor=admin_user, shop=shop, values={"sku": "X", "vat_tariff": foreign}
        ),
        lambda: product_update(
            actor=admin_user, product=kettle, values={"ean": KETTLE, "vat_tariff": foreign}
        ),
        lambda: product_vat_tariff_set(
            actor=admin_user, shop=shop, product_ids=[kettle.pk], vat_tariff=foreign
        ),
    ):
        with pytest.raises(ShopCtrlError, match="this shop's VAT tariffs"):
            attempt()

    edit = admin_client.post(
        reverse("orders:product-edit", args=[shop.pk, kettle.pk]),
        {"ean": KETTLE, "vat_tariff": foreign.pk},
    )
    bulk = admin_client.post(
        reverse("orders:product-vat-tariff-set", args=[shop.pk]),
        {"products": [kettle.pk], "vat_tariff": foreign.pk},
        follow=True,
    )

    assert edit.status_code == 400 and "not one of the available choices" in edit.content.decode()
    assert "not one of the available choices" in bulk.content.decode()
    kettle.refresh_from_db()
    assert kettle.vat_tariff is None
    assert not AuditEntry.objects.filter(action="product.update").exists()


def test_another_shops_products_cannot_be_set(shop, other_shop, admin_user, other_admin):
    theirs = product_create(actor=other_admin, shop=other_shop, values={"ean": KETTLE})
    with pytest.raises(ShopCtrlError, match="products of this shop"):
        product_vat_tariff_set(
            actor=admin_user,
            shop=shop,
            product_ids=[theirs.pk],
            vat_tariff=tariff(shop, "Reduced"),
        )
    theirs.refresh_from_db()
    assert theirs.vat_tariff is None


def test_admin_files_a_product_on_its_edit_page_and_the_list_shows_it(
    shop, admin_user, admin_client, viewer_client
):
    kettle = product_create(actor=admin_user, shop=shop, values={"ean": KETTLE, "title": "Tea"})
    reduced = tariff(shop, "Reduced")

    response = admin_client.post(
        reverse("orders:product-edit", args=[shop.pk, kettle.pk]),
        {"ean": KETTLE, "title": "Tea", "vat_tariff": reduced.pk},
    )

    assert response.status_code == 302
    kettle.refresh_from_db()
    assert kettle.vat_tariff == reduced
    assert AuditEntry.objects.get(action="product.update").changes == {
        "vat_tariff": [None, str(reduced)]
    }
    listed = viewer_client.get(reverse("orders:product-list", args=[shop.pk])).content.decode()
    assert str(reduced) in listed  # viewers see the category...
    assert "Set VAT category" not in listed  # ...but get no action to change it
    page = admin_client.get(reverse("orders:product-edit", args=[shop.pk, kettle.pk]))
    assert "Shop default: Standard (19.00%)" in page.content.decode()


def test_bulk_set_files_the_ticked_products_and_runs_twice_harmlessly(
    shop, admin_user, admin_client
):
    kettle = product_create(actor=admin_user, shop=shop, values={"ean": KETTLE})
    toaster = product_create(actor=admin_user, shop=shop, values={"ean": TOASTER})
    other = product_create(actor=admin_user, shop=shop, values={"sku": "LAMP"})
    reduced = tariff(shop, "Reduced")
    url = reverse("orders:product-vat-tariff-set", args=[shop.pk])
    page = reverse("orders:product-list", args=[shop.pk]) + "?q=400&page=1"
    data = {"products": [kettle.pk, toaster.pk], "vat_tariff": reduced.pk, "next": page}

    first = admin_client.post(url, data, follow=True)
    again = admin_client.post(url, data, follow=True)

    assert first.redirect_chain == [(page, 302)]
    assert "VAT category set to Reduced (7.00%) on 2 product(s)." in first.content.decode()
    assert "on 0 product(s)." in again.content.decode()
    assert set(Product.objects.filter(vat_tariff=reduced)) == {kettle, toaster}
    other.refresh_from_db()
    assert other.vat_tariff is None
    assert AuditEntry.objects.filter(action="product.update").count() == 2

    back = admin_client.post(url, {"products": [kettle.pk], "vat_tariff": ""})  # to default
    assert back.status_code == 302
    kettle.refresh_from_db()
    assert kettle.vat_tariff is None


def test_bulk_set_is_for_shop_owner_admins(shop, admin_user, viewer_client, other_client):
    kettle = product_create(actor=admin_user, shop=shop, values={"ean": KETTLE})
    staff = add_member(shop, UserFactory(username="warehouse"), "Warehouse")
    url = reverse("orders:product-vat-tariff-set", args=[shop.pk])
    data = {"products": [kettle.pk], "vat_tariff": tariff(shop, "Reduced").pk}

    assert viewer_client.post(url, data).status_code == 403
    assert web_client_for(staff.user).post(url, data).status_code == 403
    assert other_client.post(url, data).status_code == 404
    kettle.refresh_from_db()
    assert kettle.vat_tariff is None


def test_rerating_changes_rows_no_invoice_bills_and_only_on_request(shop, admin_user):
    """Rows imported before the product was filed keep their tariff unless asked; asked, the
    rows of this product change (the other product's stay)."""
    order = make_order(shop, "PO-R1")
    toaster = product_create(actor=admin_user, shop=shop, values={"ean": TOASTER})
    reduced = tariff(shop, "Reduced")

    kept = product_vat_tariff_set(
        actor=admin_user, shop=shop, product_ids=[toaster.pk], vat_tariff=reduced
    )
    assert (kept.products, kept.rows) == (1, 0)
    assert rates_by_ean(order)[TOASTER] == Decimal("19.00")

    rerated = product_vat_tariff_set(
        actor=admin_user,
        shop=shop,
        product_ids=[toaster.pk],
        vat_tariff=reduced,
        apply_to_rows=True,
    )
    assert (rerated.products, rerated.rows) == (0, 1)
    assert rates_by_ean(order) == {KETTLE: Decimal("19.00"), TOASTER: Decimal("7.00")}
    entry = AuditEntry.objects.get(action="order.rows.vat_tariff_set")
    assert entry.changes["rows"] == [None, 1]
    again = product_vat_tariff_set(
        actor=admin_user,
        shop=shop,
        product_ids=[toaster.pk],
        vat_tariff=reduced,
        apply_to_rows=True,
    )
    assert (again.products, again.rows) == (0, 0)


def test_a_tariff_products_are_filed_under_cannot_be_deleted(shop, admin_user):
    zero = tariff(shop, "Zero")
    product_create(actor=admin_user, shop=shop, values={"ean": KETTLE, "vat_tariff": zero})
    with pytest.raises(ShopCtrlError, match="still used by 1 record"):
        shop_setting_delete(actor=admin_user, instance=zero)
    with pytest.raises(ProtectedError):
        zero.delete()
