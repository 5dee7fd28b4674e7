"""In a real browser: the Products page's checkboxes belong to the "Set VAT category" form
(HTML `form` attribute, no script), so ticking products and choosing a category files them."""

import os

import pytest
from playwright.sync_api import expect

from orders.catalogue import product_create
from orders.models import Product
from shops.models import VatTariff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_ticks_products_and_sets_their_vat_category(
    live_server, shop, admin_user, browser_page
):
    for ean, title in (("4006381333931", "Tea"), ("4006381333948", "Coffee"), ("40063813", "Mug")):
        product_create(actor=admin_user, shop=shop, values={"ean": ean, "title": title})
    reduced = VatTariff.objects.get(shop=shop, name="Reduced")
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/shops/{shop.pk}/orders/products/")

    page.get_by_label("Select Tea").check()
    page.get_by_label("Select Coffee").check()
    page.select_option("#bulk_vat_tariff", str(reduced.pk))
    page.get_by_role("button", name="Set VAT category").click()

    expect(page.get_by_text("VAT category set to Reduced (7.00%) on 2 product(s).")).to_be_visible()
    expect(page.locator("tr", has_text="Tea")).to_contain_text("Reduced (7.00%)")
    expect(page.locator("tr", has_text="Mug")).to_contain_text("Default")
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/products.png", full_page=True)
    assert set(Product.objects.filter(vat_tariff=reduced).values_list("title", flat=True)) == {
        "Tea",
        "Coffee",
    }
