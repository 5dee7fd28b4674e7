"""In a real browser: Test connection against a host that never answers shows "Testing…" on a
disabled button while it runs (a static script, no inline JS), then the failure, in seconds."""

import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from amazon1p.connection import services
from tests.support.amazon_settings import SECRET, TOKEN, hanging_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_test_connection_shows_testing_while_it_runs(
    live_server,
    shop,
    admin_user,
    browser_page,
):
    page = browser_page
    with hanging_server() as silent:
        services.amazon_settings_save(
            actor=admin_user,
            connection=services.amazon_connection_for(shop),
            values={
                "endpoint_kind": "custom",
                "custom_base_url": silent,
                "lwa_client_id": "amzn1.application-oa2-client.abc123",
            },
            secrets={"lwa_client_secret": SECRET, "refresh_token": TOKEN},
            mappings=[],
            fulfillment_centers=[],
        )
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", admin_user.username)
        page.fill("#id_password", "pw-Secret-123")
        page.click("button[type=submit]")
        page.goto(live_server.url + reverse("amazon1p:settings", args=[shop.pk]))

        buttons = page.locator("button[value=test]")
        expect(buttons).to_have_count(2)
        started = time.monotonic()
        # Click and look in the same breath: Playwright's locators wait for the navigation
        # the click starts, which is exactly the time the button should say "Testing…".
        testing = page.evaluate(
            """() => {
                const test = document.querySelector("button[value=test]");
                test.click();
                const save = document.querySelector("button[value=save]");
                return [test.textContent, test.disabled, save.disabled];
            }"""
        )
        assert testing == ["Testing…", True, True]
        expect(page.get_by_text("Test connection failed: No usable answer")).to_be_visible(
            timeout=15_000
        )
        elapsed = time.monotonic() - started
    assert elapsed < services.CONNECTION_TEST_SECONDS + 3
    expect(buttons.first).to_have_text("Test connection")
    expect(buttons.first).to_be_enabled()
