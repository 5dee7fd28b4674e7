"""Every bad product figure of the cockpit links to the orders grid, filtered to the orders
behind it: the product's rows rejected, backordered or not confirmed in full."""

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from cockpit.rollup import rollup_day
from tests.support.cockpit import DAY, acknowledge, amazon_order
from tests.support.web import web_client_for

H = timedelta(hours=1)
TU, OBS = "TemporarilyUnavailable", "ObsoleteProduct"
P0, P1 = "B000000000", "B000000001"  # the rows of every order (10 and 4 units)


@pytest.fixture
def products(shop, monkeypatch):
    """PO-1 rejects P1; PO-2 rejects P0; PO-3 first rejects P0, then backorders half of it
    (the latest answer counts); PO-4 is not answered."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: DAY + timedelta(days=3, hours=12))
    one = amazon_order(shop, "PO-1", at=DAY + 8 * H)
    acknowledge(one, at=DAY + 9 * H, lines=[(10, 0, 0, ""), (0, 0, 4, OBS)])
    two = amazon_order(shop, "PO-2", at=DAY + 9 * H)
    acknowledge(two, at=DAY + 10 * H, lines=[(0, 0, 10, TU), (4, 0, 0, "")])
    three = amazon_order(shop, "PO-3", at=DAY + 10 * H)
    acknowledge(three, at=DAY + 11 * H, lines=[(0, 0, 10, TU), (4, 0, 0, "")])
    acknowledge(three, at=DAY + 20 * H, lines=[(5, 5, 0, ""), (4, 0, 0, "")])
    amazon_order(shop, "PO-4", at=DAY + 11 * H)
    rollup_day(shop=shop, day=DAY.date(), now=DAY + timedelta(days=3))
    return shop


def _links(client, shop) -> tuple[dict[str, Any], Any]:
    response = client.get(reverse("cockpit:dashboard", args=[shop.pk]))
    assert response.status_code == 200
    return {links.row.product: links for links in response.context["products"]}, response


def _numbers(client, url) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return sorted(o.number for o in response.context["page"].orders)


def test_product_links_carry_the_product_period_and_metric(admin_user, products):
    links, response = _links(web_client_for(admin_user), products)
    query = parse_qs(urlsplit(links[P1].rejected).query)
    assert query == {
        "channel": ["amazon_1p"],
        "date_from": [response.context["products_from"].isoformat()],
        "date_to": [response.context["today"].isoformat()],
        "metric": ["rejected"],
        "product": [P1],
    }
    page = response.content.decode()
    assert page.count('data-testid="product-rejected"') == 2  # both products had rejections
    assert page.count('data-testid="product-backordered"') == 1  # only P0
    assert page.count('data-testid="product-not-confirmed"') == 2
    assert links[P0].backordered.replace("&amp;", "&") in page.replace("&amp;", "&")


def test_product_links_list_exactly_the_orders_behind_the_figure(admin_user, products):
    client = web_client_for(admin_user)
    links, _ = _links(client, products)
    assert (links[P0].row.units_rejected, links[P1].row.units_rejected) == (10, 4)
    assert _numbers(client, links[P0].rejected) == ["PO-2"]  # PO-3's rejection was replaced
    assert _numbers(client, links[P1].rejected) == ["PO-1"]  # PO-2 rejected the other product
    assert _numbers(client, links[P0].backordered) == ["PO-3"]
    assert _numbers(client, links[P0].not_confirmed) == ["PO-2", "PO-3", "PO-4"]
    assert _numbers(client, links[P1].not_confirmed) == ["PO-1", "PO-4"]
    assert _numbers(client, links[P1].orders) == ["PO-1", "PO-2", "PO-3", "PO-4"]


def test_order_level_metrics_with_a_product_pick_that_products_pos(admin_user, products):
    client = web_client_for(admin_user)
    grid = reverse("orders:order-list", args=[products.pk])
    pending = client.get(grid, {"metric": "ack_pending", "product": P1})
    assert list(pending.context["page"].orders) == []  # PO-4 is overdue, not pending
    overdue = client.get(grid, {"metric": "ack_late", "product": P1})
    assert sorted(o.number for o in overdue.context["page"].orders) == ["PO-4"]
    assert _numbers(client, f"{grid}?product=NOPE&metric=rejected") == []


def test_cockpit_and_product_drilldown_answer_by_role(viewer_user, other_admin, products, client):
    page = reverse("cockpit:dashboard", args=[products.pk])
    drill = reverse("orders:order-list", args=[products.pk]) + f"?product={P1}&metric=rejected"
    viewer = web_client_for(viewer_user)
    assert viewer.get(page).status_code == 200
    assert _numbers(viewer, drill) == ["PO-1"]
    outsider = web_client_for(other_admin)
    assert outsider.get(page).status_code == 404
    assert outsider.get(drill).status_code == 404
    assert client.get(page).status_code == 302  # anonymous: to the sign-in page
    assert client.get(drill).status_code == 302
    assert viewer.post(page).status_code == 405
