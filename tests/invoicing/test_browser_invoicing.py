"""In a real browser, with a real Celery worker and the simulator: a user opens a shipment
Amazon received short, sees the reconciliation, drafts the invoice of what was received,
adds the freight and sends it; the worker takes it to Amazon, which accepts it."""

import time

import pytest
from playwright.sync_api import expect

from receiving.selectors import order_reconciliation
from tests.support.invoicing import invoices_at_amazon, received, ship

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_user_invoices_what_amazon_received_of_a_short_shipment(
    live_server,
    shop,
    admin_user,
    shipped_order,
    api,
    sim,
    invoicing,
    worker,
    browser_page,
):
    sim.simulator.update_config({"shortage_rate": 1.0})
    group = ship(shop, shipped_order, admin_user, api)
    received(shop, api)
    recon = order_reconciliation(shipped_order)
    assert recon.at_risk > 0
    page = browser_page
    messages = []
    page.on("console", lambda message: messages.append(message.text))

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/shops/{shop.pk}/shipments/{group.pk}/")
    page.locator("[data-receiving-link]").click()
    table = page.locator(f"[data-recon-po='{recon.po_number}']")
    expect(table.locator("[data-at-risk-total]")).to_contain_text(str(recon.at_risk))

    page.select_option("select[name=basis]", "received")
    page.locator("[data-invoice-group]").click()
    expect(page.get_by_text("drafted: check it")).to_be_visible()
    expect(page.locator("[data-invoice-status]")).to_have_attribute("data-invoice-status", "draft")
    # A line priced by weight (the PO the test gets may have one) needs the weight shipped.
    while page.locator("input[name=weight][value='']").count():
        form = page.locator("form:has(input[name=weight][value=''])").first
        form.locator("input[name=weight]").fill(form.locator("input[name=quantity]").input_value())
        form.get_by_role("button", name="Save").click()
        expect(page.get_by_text("saved.")).to_be_visible()
    expect(page.locator("[data-preflight]")).to_have_count(0)
    adjustment = page.locator("[data-adjustment-form]")
    adjustment.locator("select[name=adjustment_type]").select_option("Freight")
    adjustment.locator("input[name=description]").fill("Carrier's bill 4711")
    adjustment.locator("input[name=amount]").fill("25.00")
    adjustment.get_by_role("button", name="Add").click()
    expect(page.get_by_text("Freight charge (Carrier's bill 4711) added.")).to_be_visible()
    expect(page.locator("[data-adjustment='charge:Freight']")).to_contain_text("25.00")
    expect(page.locator("[data-preflight]")).to_have_count(0)
    page.locator("[data-send-invoice]").click()
    expect(page.get_by_text("is on its way to Amazon")).to_be_visible()

    deadline = time.monotonic() + 30
    while page.locator("[data-invoice-status]").get_attribute("data-invoice-status") != "accepted":
        assert time.monotonic() < deadline, "Amazon never accepted the invoice"
        time.sleep(0.5)
        page.reload()
    number = page.locator("h1").inner_text().split()[-1]
    [at_amazon] = invoices_at_amazon(sim, number)
    assert at_amazon["invoice"]["chargeDetails"][0]["chargeAmount"]["amount"] == "25.00"

    page.get_by_role("link", name=f"receiving of {group.code}").click()
    expect(table.locator("[data-invoiced-total]")).to_have_text(str(recon.received))
    assert not [m for m in messages if "Content Security Policy" in m], messages
