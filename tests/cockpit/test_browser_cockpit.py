"""The cockpit in a real browser: charts drawn (under the CSP), a point opens the grid."""

import os
import re

import pytest
from playwright.sync_api import expect

from cockpit.demo import cockpit_demo_history

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOT = os.environ.get("COCKPIT_SCREENSHOT", "/tmp/cockpit.png")


def test_cockpit_draws_charts_and_a_point_opens_the_filtered_grid(
    live_server,
    shop,
    admin_user,
    browser_page,
):
    cockpit_demo_history(shop=shop, weeks=6, per_day=3)
    page = browser_page
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", admin_user.username)
    page.fill("#id_password", "pw-Secret-123")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/shops/{shop.pk}/cockpit/")

    for key in ("ack", "ack_median", "confirmation", "rejections", "asn", "lead", "receiving"):
        expect(page.locator(f'canvas[data-chart="{key}"]')).to_have_attribute("data-drawn", "true")
    page.screenshot(path=SCREENSHOT, full_page=True)
    assert problems == []  # no CSP refusal, no script error

    # The newest full week's point of "Acknowledged on time": where Chart.js drew it.
    canvas = page.locator('canvas[data-chart="ack"]')
    canvas.scroll_into_view_if_needed()
    point = page.evaluate(
        """() => {
            const canvas = document.querySelector('canvas[data-chart="ack"]');
            const chart = window.Chart.getChart(canvas);
            const points = chart.getDatasetMeta(0).data;
            const i = points.length - 2;
            return {x: points[i].x, y: points[i].y, url: chart.data.datasets[0].urls[i]};
        }"""
    )
    box = canvas.bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    expect(page).to_have_url(re.compile(r"/orders/\?.*metric=ack_late"))
    assert page.url.endswith(point["url"])
    expect(page.locator("#id_metric")).to_have_value("ack_late")
    grid = page.get_by_test_id("orders-grid")
    expect(grid).to_be_visible()
    expect(grid.get_by_role("link", name=re.compile(r"^HIST"))).not_to_have_count(0)

    # A product's rejected units open the grid filtered to that product's rejections.
    page.goto(f"{live_server.url}/shops/{shop.pk}/cockpit/")
    rejected = page.get_by_test_id("product-rejected").first
    rejected.click()
    expect(page).to_have_url(re.compile(r"/orders/\?.*metric=rejected.*&product=B07"))
    expect(page.locator("#id_product")).to_have_value(re.compile(r"^B07"))
    expect(grid.get_by_role("link", name=re.compile(r"^HIST"))).not_to_have_count(0)
