"""In a real browser: a user opens a shipment Amazon received short and sees the
reconciliation (list filtered to what is at risk, the order's panel, the shipment's page)."""

import re

import pytest
from playwright.sync_api import expect

from receiving.selectors import order_reconciliation
from receiving.services import receiving_sync
from tests.support.receiving import ship, wait_for_receipt

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_user_opens_a_shipment_received_short_and_sees_the_reconciliation(
    live_server,
    shop,
    admin_user,
    shipped_order,
    api,
    sim,
    browser_page,
):
    sim.simulator.update_config({"shortage_rate": 1.0})
    group = ship(shop, shipped_order, admin_user, api)
    wait_for_receipt()
    receiving_sync(shop=shop, client=api)
    recon = order_reconciliation(shipped_order)
    assert recon.at_risk > 0
    page = browser_page
    messages = []
    page.on("console", lambda message: messages.append(message.text))

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.get_by_role("link", name="Receiving", exact=True).click()
    expect(page.get_by_role("heading", name="Receiving", exact=True)).to_be_visible()
    page.check("#id_at_risk")
    page.get_by_role("button", name="Filter").click()
    row = page.locator(f"[data-recon-order='{recon.po_number}']")
    expect(row).to_be_visible()
    page.get_by_role("link", name=recon.po_number).click()

    panel = page.locator("#receiving")
    expect(panel.get_by_role("heading", name="Receiving at Amazon")).to_be_visible()
    expect(panel.locator("[data-receive-status]")).to_have_text("Partially received")
    expect(panel.locator("[data-at-risk-total]")).to_contain_text(str(recon.at_risk))
    expect(panel.locator("[data-at-risk-value]")).to_have_text(f"{recon.at_risk_value:.2f}")

    page.goto(f"{live_server.url}/shops/{shop.pk}/shipments/{group.pk}/")
    page.locator("[data-receiving-link]").click()
    expect(page).to_have_url(re.compile(rf"/receiving/groups/{group.pk}/$"))
    expect(
        page.locator(f"[data-recon-po='{recon.po_number}'] [data-at-risk-total]")
    ).to_contain_text(str(recon.at_risk))
    assert not [m for m in messages if "Content Security Policy" in m], messages
