"""The order page's Bulk Buy panel with its two actions, the offer's Orders tab and the offers
list's status filter."""

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from bulkbuy.linking import purchase_orders_link
from bulkbuy.models import Offer, OrderLink, OrderLinkLine
from orders.models import Channel, Order, PurchaseType
from orders.services import order_credit_row_add, order_parameter_set
from shops.models import AuditEntry, CreditReason, Role
from tests.support.factories import UserFactory, add_member, make_order
from tests.support.linking import Line, completed_offer, connect, ean, import_po
from tests.support.offers import make_offer, offer_row
from tests.support.web import web_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(shop, admin_user):
    connect(shop)
    return completed_offer(shop, admin_user, products=(1, 2), final=100)


def order_page(client, order) -> str:
    response = client.get(reverse("orders:order-detail", args=[order.shop_id, order.pk]))
    assert response.status_code == 200
    return response.content.decode()


def post(client, name: str, order, data=None):
    return client.post(reverse(f"bulkbuy:{name}", args=[order.shop_id, order.pk]), data or {})


def texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- The order page -----------------------------------------------------------------------


def test_order_page_shows_the_linked_offer_and_what_each_row_takes(
    shop, offer, admin_client, viewer_client
):
    order = import_po(shop, "PO-1", [Line(1, 40), Line(2, 60)])
    purchase_orders_link(shop_id=shop.pk)

    page = order_page(viewer_client, order)

    assert 'data-testid="purchase-type">Bulk buy<' in page
    assert reverse("bulkbuy:offer-orders", args=[shop.pk, offer.pk]) in page
    assert "delivery stage 1" in page and "linked automatically" in page
    assert "2027-01-05 – 2027-01-08" in page
    assert 'data-action="link-check"' not in page  # viewers only look
    assert 'data-action="link-check"' in order_page(admin_client, order)


def test_order_page_lists_the_discrepancies_of_an_undefined_order(shop, offer, admin_client):
    order = import_po(shop, "PO-1", [Line(1, 140)])
    purchase_orders_link(shop_id=shop.pk)

    page = order_page(admin_client, order)

    assert 'data-testid="purchase-type">Undefined<' in page
    assert f"row 1 EAN {ean(1)}: quantity 140 exceeds the 100 left on offer OFFER-1 stage 1" in page
    assert 'data-action="link-offer"' in page


def test_orders_entered_by_hand_have_no_bulk_buy_panel(shop, admin_client):
    order = make_order(shop, "M-1", channel=Channel.MANUAL)
    assert 'data-testid="bulk-buy"' not in order_page(admin_client, order)


# --- Re-check and link by hand ------------------------------------------------------------


def test_recheck_after_crediting_links_the_order(shop, offer, admin_user, admin_client):
    order = import_po(shop, "PO-1", [Line(1, 140)])
    purchase_orders_link(shop_id=shop.pk)
    reason = CreditReason.objects.get(shop=shop, name="Out of stock")
    order_credit_row_add(
        actor=admin_user, order=order, row=order.rows.get(), quantity=40, reason=reason
    )

    response = post(admin_client, "order-link-check", order)

    assert response.status_code == 302
    assert response.url.endswith(
        reverse("orders:order-detail", args=[shop.pk, order.pk]) + "#bulk-buy"
    )
    assert texts(response) == ["Linked to offer OFFER-1, delivery stage 1."]
    assert Order.objects.get(pk=order.pk).purchase_type == PurchaseType.BULK_BUY


def test_link_by_hand_from_the_order_page(shop, offer, admin_user, admin_client):
    order = import_po(shop, "PO-1", [Line(1, 40)], window=None)
    purchase_orders_link(shop_id=shop.pk)
    assert OrderLink.objects.get(order=order).discrepancies == ["the PO has no delivery window"]
    refused = post(admin_client, "order-link", order, {"offer": offer.pk, "stage": 1})
    assert texts(refused) == [
        "Order PO-1 does not fit offer OFFER-1 stage 1; nothing was changed.",
        "the PO has no delivery window",
    ]
    assert not OrderLinkLine.objects.exists()
    assert "the PO has no delivery window" in order_page(admin_client, order)  # shown, used up

    window = "2027-01-05T00:00:00Z--2027-01-06T00:00:00Z"  # staff enter what Amazon agreed
    order_parameter_set(actor=admin_user, order=order, key="DeliveryWindow", value=window)
    response = post(admin_client, "order-link", order, {"offer": offer.pk, "stage": 1})

    assert texts(response) == ["Linked to offer OFFER-1, delivery stage 1."]
    link = OrderLink.objects.get(order=order)
    assert (link.by_hand, link.linked_by) == (True, admin_user)
    assert AuditEntry.objects.filter(action="order.offer_link", actor=admin_user).exists()


def test_link_by_hand_needs_a_completed_offer_of_the_shop(shop, offer, admin_user, admin_client):
    order = import_po(shop, "PO-1", [Line(1, 40)])
    draft = make_offer(shop, admin_user, rows=1)

    for data in ({}, {"offer": draft.pk, "stage": 1}, {"offer": offer.pk, "stage": 3}):
        response = post(admin_client, "order-link", order, data)
        assert response.status_code == 302
        assert texts(response), data
    assert not OrderLink.objects.exists()


@pytest.mark.parametrize("action", ["order-link", "order-link-check"])
def test_linking_needs_orders_edit_in_the_orders_shop(
    action, shop, offer, viewer_client, other_client, client
):
    order = import_po(shop, "PO-1", [Line(1, 40)])
    data = {"offer": offer.pk, "stage": 1}
    offers_only = UserFactory(username="offers-only")
    role = Role.objects.create(shop=shop, name="Offers", permissions=["shop.view", "offers.view"])
    add_member(shop, offers_only, role.name)

    assert post(viewer_client, action, order, data).status_code == 403
    assert post(web_client_for(offers_only), action, order, data).status_code == 403
    assert post(other_client, action, order, data).status_code == 404
    anonymous = post(client, action, order, data)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    url = reverse(f"bulkbuy:{action}", args=[shop.pk, order.pk])
    assert web_client_for(order.shop.memberships.first().user).get(url).status_code == 405
    assert Order.objects.get(pk=order.pk).purchase_type == PurchaseType.NONE
    assert not OrderLink.objects.exists()


def test_another_shops_order_is_not_found_through_ones_own_shop(
    shop, offer, other_shop, other_admin, admin_client
):
    connect(other_shop)
    foreign = import_po(other_shop, "PO-X", [Line(1, 40)])
    url = reverse("bulkbuy:order-link-check", args=[shop.pk, foreign.pk])
    assert admin_client.post(url).status_code == 404


# --- The offer's Orders tab ---------------------------------------------------------------


def test_orders_tab_lists_linked_pos_and_ordered_against_offered(
    shop, offer, viewer_client, django_assert_max_num_queries
):
    first = import_po(shop, "PO-1", [Line(1, 40), Line(2, 60)])
    import_po(shop, "PO-2", [Line(1, 25)])
    import_po(shop, "PO-3", [Line(4, 1)])  # weekly: not listed
    purchase_orders_link(shop_id=shop.pk)

    url = reverse("bulkbuy:offer-orders", args=[shop.pk, offer.pk])
    with django_assert_max_num_queries(20):
        response = viewer_client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="linked-order"') == 2
    assert reverse("orders:order-detail", args=[shop.pk, first.pk]) in page
    assert "2027-01-05 – 2027-01-08" in page and "1,050.00 EUR" in page  # 100 × 10.50
    usage = [part.split("</tr>")[0] for part in page.split('data-testid="row-usage"')[1:]]
    assert "65 / 100" in usage[0] and "35 left" in usage[0]
    assert "60 / 100" in usage[1]
    assert "Orders (2)" in page
    detail = viewer_client.get(reverse("bulkbuy:offer-detail", args=[shop.pk, offer.pk]))
    assert "Orders (2)" in detail.content.decode()


def test_orders_tab_of_another_shops_offer_is_not_found(shop, offer, other_client):
    url = reverse("bulkbuy:offer-orders", args=[shop.pk, offer.pk])
    assert other_client.get(url).status_code == 404


# --- The offers list ----------------------------------------------------------------------


def test_offers_list_filters_by_stage_and_expiry(shop, admin_user, admin_client):
    connect(shop)
    completed = completed_offer(shop, admin_user, products=(1,), name="DONE")
    draft = make_offer(shop, admin_user, rows=1)
    soon = make_offer(shop, admin_user, rows=1)
    gone = make_offer(shop, admin_user, rows=1)
    now = timezone.now()
    Offer.objects.filter(pk=draft.pk).update(name="DRAFT", expires_at=now + timedelta(days=6))
    Offer.objects.filter(pk=soon.pk).update(name="SOON", expires_at=now + timedelta(hours=20))
    Offer.objects.filter(pk=gone.pk).update(name="GONE", expires_at=now - timedelta(hours=1))
    url = reverse("bulkbuy:offer-list", args=[shop.pk])

    def names(status: str) -> set[str]:
        page = admin_client.get(url, {"status": status}).context["page"]
        return {offer.name for offer in page.object_list}

    assert names("completed") == {completed.name}
    assert names("commerce") == {"DRAFT", "SOON"}
    assert names("expiring") == {"SOON"}
    assert names("expired") == {"GONE"}
    assert names("warehouse") == set()
    assert names("") == names("nonsense") == {"DONE", "DRAFT", "SOON", "GONE"}


def test_link_by_hand_offers_completed_offers_whose_stages_had_not_ended(
    shop, offer, admin_user, admin_client
):
    past = offer_row(1, **{"Stage 1 start": date(2026, 10, 1), "Stage 1 end": date(2026, 10, 9)})
    completed_offer(shop, admin_user, rows=[past], name="OLD-OFFER")
    make_offer(shop, admin_user, rows=1)  # open: not a choice either
    order = import_po(shop, "PO-1", [Line(1, 140)])

    page = order_page(admin_client, order)

    choices = page.split('name="offer"')[1].split("</select>")[0]
    assert "OFFER-1" in choices
    assert "OLD-OFFER" not in choices and "OFFER-123" not in choices
