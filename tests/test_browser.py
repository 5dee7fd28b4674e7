"""Real-browser tests: Debian's chromium driven by Playwright (no downloaded browser)."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.factories import make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_and_browses_orders(live_server, shop, admin_user, browser_page):
    for n in range(3):
        make_order(shop, f"PO77{n}", hours_ago=n)
    page = browser_page

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")

    grid = page.get_by_test_id("orders-grid")
    expect(grid).to_be_visible()
    expect(grid.get_by_role("link", name="PO770")).to_be_visible()
    # htmx (a deferred script) comes from our own static files, not a CDN.
    page.wait_for_function("() => typeof window.htmx === 'object'", timeout=10_000)

    page.select_option("#id_channel", "manual")  # htmx swaps the grid in place
    expect(page.get_by_text("No orders match.")).to_be_visible()
    page.select_option("#id_channel", "")
    page.get_by_role("link", name="PO771").click()
    expect(page.get_by_role("heading", name="Order PO771")).to_be_visible()
    expect(page.get_by_text("ShipToPartyRef")).to_be_visible()


def test_mark_as_read_lowers_the_sidebar_alert_count(live_server, shop, admin_user, browser_page):
    from shops.models import AlertSeverity
    from shops.services import alert_raise

    for n in range(3):
        alert_raise(shop=shop, severity=AlertSeverity.WARNING, message=f"Check {n}")
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/shops/{shop.pk}/alerts/")
    count = page.locator("#unread-alert-count")
    expect(count).to_have_text("3")

    for left in ("2", "1", ""):
        page.get_by_role("button", name="Mark as read").first.click()
        expect(count).to_have_text(left)
    expect(page.get_by_role("button", name="Mark as read")).to_have_count(0)
    assert page.url.endswith("/alerts/")  # swapped in place, no reload
