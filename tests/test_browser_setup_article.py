"""The setup article users follow (../shared/seed/setting-up-integration-with-amazon-1p.txt),
walked in a real browser step by step, in its order and with its words: each step finds
what the article names."""

import re

import pytest
from playwright.sync_api import Page, expect

from amazon1p.connection.models import AmazonConnection
from shops.models import AddressFormat, NameFormat, Shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _configuration_shops_edit(page: Page, shop_name: str) -> None:
    """ "Navigate to Configuration > Shops … and click Edit to access shop settings.\""""
    sidebar = page.locator("aside.sidebar")
    expect(sidebar.get_by_text("Configuration")).to_be_visible()
    sidebar.get_by_role("link", name="Shops", exact=True).click()
    expect(page.get_by_role("heading", name="Shops", exact=True)).to_be_visible()
    row = page.locator("tr", has_text=shop_name)
    row.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name="Shop settings")).to_be_visible()


def _topic(page: Page, group: str, item: str) -> None:
    """ "Within the topic menu, select <group> > <item>.\""""
    topics = page.locator("nav.topics")
    expect(topics.get_by_text(group, exact=True)).to_be_visible()
    topics.get_by_role("link", name=item, exact=True).click()


def test_setup_article_walked_step_by_step(live_server, shop, admin_user, browser_page):
    page = browser_page
    # "1. Log in to your ShopCtrl account as a user with the Shop Owner Admin role."
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")

    # --- 1. Configuring shop in ShopCtrl ----------------------------------------------
    # "2. Open the shop settings page …"
    _configuration_shops_edit(page, shop.name)
    # "3. Within the topic menu, expand the Contacts nod and click Contact Info."
    _topic(page, "Contacts", "Contact Info")
    expect(page.get_by_role("heading", name="Contact Info")).to_be_visible()
    # "4. Change the Address detail setting to One field for street name, house number and
    # extension." "5. Change the Name detail setting to One single field for contact
    # person name."
    page.get_by_label("One field for street name, house number and extension").check()
    page.get_by_label("One single field for contact person name").check()
    # "6. Click Save or Save and Close to apply changes to the shop."
    page.get_by_role("button", name="Save and Close").click()
    expect(page.get_by_role("heading", name="Shops", exact=True)).to_be_visible()
    shop.refresh_from_db()
    assert (shop.address_format, shop.name_format) == (AddressFormat.SINGLE, NameFormat.SINGLE)

    # --- 2. Setting up Amazon shop synchronization in ShopCtrl ------------------------
    # "2. Navigate to Configuration > Shops …" "3. … click Edit to access shop settings."
    _configuration_shops_edit(page, shop.name)
    # "4. Within the topic menu, select Shop synchronization > Amazon 1P Synchronization."
    _topic(page, "Shop synchronization", "Amazon 1P Synchronization")
    expect(page.get_by_role("heading", name="Amazon 1P Synchronization")).to_be_visible()
    # "5. Specify a Region and a Marketplace from which you wish to import orders."
    auth = page.locator("#self-authorization")
    auth.get_by_label("Region").select_option("EU")
    auth.get_by_label("Marketplace").select_option(label="DE (A1PA6795UKMFR9)")
    # "6. On the Self Authorization pane enter the Vendor code."
    expect(auth.get_by_role("heading", name="Self Authorization")).to_be_visible()
    auth.get_by_label("Vendor code").fill("vndr1")
    # "7. Provide the LWA Client Id and LWA Client Secret …" "8. Enter the Refresh Token."
    auth.get_by_label(re.compile("^LWA Client Id")).fill("amzn1.application-oa2-client.shopctrl")
    auth.get_by_label(re.compile("^LWA Client Secret")).fill("client-secret-value")
    auth.get_by_label(re.compile("^Refresh Token")).fill("Atzr|refresh-token-value")
    # "9. In the Synchronization Customization pane, check the features you would like to
    # use: Orders Integration, Import new orders, Import missing orders."
    custom = page.locator(
        ".card", has=page.get_by_role("heading", name="Synchronization Customization")
    )
    for feature in ("Orders integration", "Import new orders", "Import missing orders"):
        custom.get_by_label(feature).check()
    # "10. BulkBuy Settings …"
    expect(page.get_by_role("heading", name="BulkBuy Settings")).to_be_visible()
    # "11. Order Sync Settings … import of historical orders … Select the appropriate
    # credit reason for rows with Rejected and Cancelled order statuses."
    order_sync = page.locator("#order-sync")
    expect(order_sync.get_by_role("heading", name="Order Sync Settings")).to_be_visible()
    expect(order_sync.get_by_text("Historical import", exact=True)).to_be_visible()
    order_sync.get_by_label("Credit reason for rows Amazon rejected").select_option(
        label="Rejected by Amazon"
    )
    order_sync.get_by_label("Credit reason for rows Amazon cancelled").select_option(
        label="Cancelled by Amazon"
    )
    # "12. ASN Sync Settings: … configure document templates needed for … ASN packing."
    asn = page.locator("#asn-sync")
    expect(asn.get_by_role("heading", name="ASN Sync Settings")).to_be_visible()
    expect(asn.get_by_text("Document templates", exact=True)).to_be_visible()
    expect(asn.get_by_role("link", name="Carton / ASN label")).to_be_visible()
    # "13. Main Order Status mapping" "14. Payment Order Status mapping"
    expect(
        page.get_by_role("heading", name=re.compile("Main Order Status mapping"))
    ).to_be_visible()
    expect(page.get_by_text(re.compile("Payment Order Status mapping"))).to_be_visible()
    # "15. Amazon Fulfillment Centers … mapping to the provided Ship To Party References."
    expect(page.get_by_role("heading", name="Amazon Fulfillment Centers")).to_be_visible()
    expect(page.get_by_role("columnheader", name="ShipToPartyRef")).to_be_visible()
    # "16. … Enable synchronization by marking the checkbox at the top of the settings page."
    enabled = page.get_by_label("Enabled", exact=True)
    assert enabled.bounding_box()["y"] < auth.bounding_box()["y"]
    enabled.check()
    # "17. Click Save or Save and Close to apply changes to the shop."
    page.get_by_role("button", name="Save", exact=True).first.click()
    expect(page.get_by_text("Amazon 1P settings saved.")).to_be_visible()
    connection = AmazonConnection.objects.get(shop=shop)
    assert connection.enabled and connection.vendor_code == "VNDR1"
    assert connection.has_credentials and connection.import_missing_orders
    page.get_by_role("button", name="Save and Close").first.click()
    expect(page.get_by_role("heading", name="Shops", exact=True)).to_be_visible()
    assert Shop.objects.get(pk=shop.pk).amazon_connection.enabled
