"""Real-browser tests: Debian's chromium driven by Playwright (no downloaded browser)."""

import os
import re

import pytest
from django.db import connections
from playwright.sync_api import expect, sync_playwright

from tests.factories import make_order

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(settings):
    # The live server serves static files from the finders, under their plain names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Playwright's sync API runs an event loop; Django must allow ORM use beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        yield page
        # While Playwright's event loop runs, Django hands this thread a separate database
        # connection (asgiref sees an async context). Close it here, inside that context, or
        # it keeps the test database busy at teardown.
        connections.close_all()
        browser.close()


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
