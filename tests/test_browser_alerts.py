"""The Alerts page in a real browser: a grouped alert with its count and link to the orders
grid filtered to them, the severity filter, and Mark all as read."""

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order
from shops.alerts import AlertGroup, alerts_group_raise
from shops.models import Alert, AlertSeverity
from shops.services import alert_raise
from tests.support.factories import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grouped_alert_links_to_its_orders_and_mark_all_reads_everything(
    live_server,
    shop,
    admin_user,
    browser_page,
):
    orders = [make_order(shop, f"PO55{n}", hours_ago=n) for n in range(4)]
    make_order(shop, "PO999", hours_ago=9)  # not in the group
    group = AlertGroup(
        "fc-unknown:ZRH2",
        "fulfillment_center",
        AlertSeverity.WARNING,
        "Unknown fulfillment center ZRH2.",
        Order,
        [o.pk for o in orders[:3]],
    )
    alerts_group_raise(shop=shop, groups=[group])
    alerts_group_raise(shop=shop, groups=[group])  # raised again: no second alert, same count
    alerts_group_raise(
        shop=shop, groups=[AlertGroup(**{**group.__dict__, "object_ids": [orders[3].pk]})]
    )
    alert_raise(shop=shop, severity=AlertSeverity.ERROR, message="Run #4 failed.", kind="sync")
    page = browser_page

    page.goto(f"{live_server.url}/shops/{shop.pk}/alerts/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")

    items = page.locator(".alert-item")
    expect(items).to_have_count(2)
    grouped = items.filter(has_text="ZRH2")
    expect(grouped.locator(".alert-count")).to_have_text("4 orders")

    # Only errors, then all again.
    page.select_option("#id_severity", "error")
    page.get_by_role("button", name="Filter").click()
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("Run #4 failed.")
    page.get_by_role("link", name="Reset").click()
    expect(items).to_have_count(2)

    # The group's link opens the orders grid filtered to its four orders.
    grouped.get_by_role("link", name="show these 4 orders").click()
    grid = page.get_by_test_id("orders-grid")
    expect(page.locator("[data-alert-filter]")).to_contain_text("ZRH2")
    for order in orders:
        expect(grid.get_by_role("link", name=order.number)).to_be_visible()
    expect(grid.get_by_role("link", name="PO999")).to_have_count(0)

    page.go_back()
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("Marked 2 alerts as read.")).to_be_visible()
    expect(page.get_by_text("No unread alerts.")).to_be_visible()
    assert not Alert.objects.filter(shop=shop, is_read=False).exists()
    # Read alerts are still there under "All".
    page.select_option("#id_show", "all")
    page.get_by_role("button", name="Filter").click()
    expect(items).to_have_count(2)
    expect(page).to_have_url(re.compile(r"show=all"))
