"""Layout expectations: the status and the next action come before the detail, so a user
sees them without scrolling (the shipment page is long; the order page has many sections)."""

import pytest
from django.urls import reverse

from asn import placement
from asn.shipments import shipment_add_order
from tests.support.asn import acknowledged_order

pytestmark = pytest.mark.django_db


def _page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


def test_send_asn_comes_before_the_shipment_detail(group, shop, admin_user, admin_client):
    order = acknowledged_order(shop, "PO-LAYOUT-1")
    shipment_add_order(group=group, order=order, actor=admin_user)
    pallet = placement.pallet_add(group=group, actor=admin_user)
    placement.place_all_unplaced(group=group, container=pallet, actor=admin_user)

    html = _page(admin_client, "asn:group-detail", shop.pk, group.pk)
    send = html.index('data-action="asn-submit"')
    assert html.count('data-action="asn-submit"') == 1
    assert html.index('id="next-action"') < send
    for detail in ('id="transport"', 'id="orders"', 'id="packing"'):
        assert send < html.index(detail), detail
    assert 'data-testid="preflight-ok"' in html[:send]


def test_what_stands_in_the_way_comes_first_too(group, shop, admin_user, admin_client):
    order = acknowledged_order(shop, "PO-LAYOUT-2")
    shipment_add_order(group=group, order=order, actor=admin_user)  # nothing packed yet

    html = _page(admin_client, "asn:group-detail", shop.pk, group.pk)
    assert 'data-action="asn-submit"' not in html
    findings = html.index('href="#preflight"')
    assert findings < html.index('id="preflight"') < html.index('id="transport"')
    assert "not placed" in html[html.index('id="next-action"') : html.index('id="transport"')]


def test_viewer_sees_the_status_but_no_send_button(group, shop, admin_user, viewer_client):
    order = acknowledged_order(shop, "PO-LAYOUT-3")
    shipment_add_order(group=group, order=order, actor=admin_user)
    pallet = placement.pallet_add(group=group, actor=admin_user)
    placement.place_all_unplaced(group=group, container=pallet, actor=admin_user)
    html = _page(viewer_client, "asn:group-detail", shop.pk, group.pk)
    assert 'id="next-action"' in html and 'data-action="asn-submit"' not in html


def test_order_page_puts_the_acknowledgement_before_rows_and_credit_rows(
    asn_connection, shop, admin_client
):
    order = acknowledged_order(shop, "PO-LAYOUT-4")
    html = _page(admin_client, "orders:order-detail", shop.pk, order.pk)
    panel = html.index('id="acknowledgement"')
    for detail in (">Rows<", ">Credit rows<", ">Parameters<", ">History<"):
        assert panel < html.index(detail), detail
