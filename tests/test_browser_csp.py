"""The main pages work under the Content-Security-Policy: chromium reports no violation
(no inline script, no eval, nothing from elsewhere) while they load and while htmx runs."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.factories import make_order
from tests.support.offers import make_offer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_pages_run_under_the_csp_without_violations(
    live_server,
    shop,
    admin_user,
    browser_page,
):
    order = make_order(shop, "PO900")
    offer = make_offer(shop, admin_user)
    page = browser_page
    violations: list[str] = []
    errors: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("orders-grid")).to_be_visible()
    page.wait_for_function("() => typeof window.htmx === 'object'", timeout=10_000)
    assert page.evaluate("() => htmx.config.allowEval") is False

    # htmx under CSP: a filter swaps the grid; a date out of range is a 400 with its reason.
    page.select_option("#id_channel", "manual")
    expect(page.get_by_text("No orders match.")).to_be_visible()
    page.select_option("#id_channel", "")
    expect(page.get_by_role("link", name="PO900")).to_be_visible()
    response = page.goto(f"{live_server.url}/shops/{shop.pk}/orders/?date_to=9999-12-31")
    assert response is not None and response.status == 400
    expect(page.get_by_text(re.compile(r"less than or equal to"))).to_be_visible()

    base = f"{live_server.url}/shops/{shop.pk}"
    for path in (
        f"/orders/{order.pk}/",
        "/dashboard/",
        "/offers/",
        f"/offers/{offer.pk}/",
        "/shipments/",
        "/receiving/",
        "/alerts/",
        "/settings/",
        "/settings/members/",
        "/amazon-1p/api-tokens/",
        "/cockpit/",
    ):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")

    assert violations == [] and errors == []
    # A page whose script the CSP refuses would log it: prove the check would notice.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = '1';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert len(violations) == 1 and "inline script" in violations[0], violations
