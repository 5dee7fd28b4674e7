"""What every signed-in page pays for: the shop access check (one query for the shop, the
user's permissions there and the switcher's shops), and the sidebar (links reversed once
per process and shop). Behaviour first, then the query budgets."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import RequestFactory
from django.urls import resolve, reverse, set_script_prefix

from shops.access import SecondFactorRequired, shop_for_user
from shops.alerts import alert_unread_count
from shops.context_processors import SHOP_LINKS, SITE_LINKS, active_links, links
from shops.models import AlertSeverity, Membership, Shop
from shops.permissions import SEED_ROLES, Perm
from shops.services import alert_mark_read, alert_raise
from tests.support.factories import add_member
from tests.support.web import web_client_for


def _request(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    return request


# --- shop_for_user -------------------------------------------------------------------------


def test_shop_access_reads_shop_permissions_and_switchable_shops_in_one_query(
    shop, other_shop, viewer_user, django_assert_num_queries
):
    add_member(other_shop, viewer_user, "Commerce", "Manufacture")
    request = _request(viewer_user)

    with django_assert_num_queries(1):
        found = shop_for_user(request, other_shop.pk, Perm.OFFERS_STAGE_MANUFACTURE)

    assert found == other_shop
    assert request.shop == other_shop
    assert request.shop_permissions == frozenset(SEED_ROLES["Commerce"]) | frozenset(
        SEED_ROLES["Manufacture"]
    )
    # each shop once, by name, though the user holds two roles in one of them
    assert [s.name for s in request.switchable_shops] == ["Acme Kitchen", "Other Shop"]


def test_shop_access_counts_only_the_users_own_roles(shop, viewer_user):
    """The shop's admin holds every permission; the viewer gets only the Viewer role's."""
    request = _request(viewer_user)

    with pytest.raises(PermissionDenied):
        shop_for_user(request, shop.pk, Perm.SHOP_CONFIGURE)

    assert request.shop_permissions == frozenset(SEED_ROLES["Viewer"])


def test_shop_access_is_404_for_a_shop_the_user_is_not_in(shop, other_shop, viewer_user):
    for shop_id in (other_shop.pk, max(Shop.objects.values_list("pk", flat=True)) + 1):
        with pytest.raises(Http404):
            shop_for_user(_request(viewer_user), shop_id, Perm.SHOP_VIEW)


def test_shop_access_is_404_for_a_visitor(shop):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        shop_for_user(_request(AnonymousUser()), shop.pk, Perm.SHOP_VIEW)


def test_a_member_without_roles_gets_403_not_404(shop, viewer_user):
    Membership.objects.get(shop=shop, user=viewer_user).roles.clear()
    request = _request(viewer_user)

    with pytest.raises(PermissionDenied):
        shop_for_user(request, shop.pk, Perm.SHOP_VIEW)

    assert request.shop_permissions == frozenset()


def test_a_shop_requiring_a_second_factor_asks_for_it_before_checking_permissions(
    shop, viewer_user
):
    Shop.objects.filter(pk=shop.pk).update(require_mfa=True)

    with pytest.raises(SecondFactorRequired):
        shop_for_user(_request(viewer_user), shop.pk, Perm.SHOP_CONFIGURE)


# --- the sidebar ---------------------------------------------------------------------------


def _page(user, url: str) -> str:
    response = web_client_for(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_sidebar_links_lead_to_the_shops_pages(shop, admin_user):
    page = _page(admin_user, reverse("shops:alert-list", args=[shop.pk]))

    for key, name in SHOP_LINKS.items():
        if key != "members":  # an admin gets "Shop settings" instead
            assert f'href="{reverse(name, args=[shop.pk])}"' in page, key
    for key, name in SITE_LINKS.items():
        if key != "operations":  # Django staff only
            assert f'"{reverse(name)}"' in page, key


def test_sidebar_shows_a_viewer_only_the_sections_of_their_role(shop, viewer_user):
    page = _page(viewer_user, reverse("orders:order-list", args=[shop.pk]))

    assert f'href="{reverse("orders:product-list", args=[shop.pk])}"' in page
    assert f'href="{reverse("shops:settings-general", args=[shop.pk])}"' not in page
    assert f'href="{reverse("shops:member-list", args=[shop.pk])}"' not in page
    assert reverse("ops:operations") not in page


def test_sidebar_highlights_the_section_of_the_page(shop, admin_user):
    products = reverse("orders:product-list", args=[shop.pk])
    orders = reverse("orders:order-list", args=[shop.pk])

    page = _page(admin_user, products)

    assert f'<a href="{products}" class="active">Products</a>' in page
    assert f'<a href="{orders}" class="">Orders</a>' in page


@pytest.mark.parametrize(
    ("url_name", "with_shop", "expected"),
    [
        ("shops:dashboard", True, {"dashboard"}),
        ("cockpit:dashboard", True, {"cockpit"}),
        ("orders:order-list", True, {"orders"}),
        ("orders:product-list", True, {"products"}),
        ("bulkbuy:offer-list", True, {"offers"}),
        ("asn:group-list", True, {"shipments"}),
        ("receiving:reconciliation-list", True, {"receiving"}),
        ("invoicing:invoice-list", True, {"invoices"}),
        ("shops:alert-list", True, {"alerts"}),
        ("shops:settings-general", True, {"settings"}),
        ("shops:member-list", True, {"settings"}),
        ("shops:security", True, {"settings"}),
        ("amazon1p:settings", True, set()),  # /amazon-1p/: not under settings/
        ("shops:shop-list", False, {"shops"}),
        ("ops:operations", False, {"operations"}),
        ("accounts:account", False, set()),
    ],
)
def test_active_links_follow_the_pages_app_name_and_path(url_name, with_shop, expected):
    path = reverse(url_name, args=[7] if with_shop else [])
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)

    assert active_links(request) == expected


def test_switcher_lists_the_users_shops_with_links_to_their_orders(shop, other_shop, admin_user):
    add_member(other_shop, admin_user, "Viewer")
    mine = reverse("orders:order-list", args=[shop.pk])
    theirs = reverse("orders:order-list", args=[other_shop.pk])

    on_shop_page = _page(admin_user, reverse("shops:alert-list", args=[shop.pk]))
    on_account_page = _page(admin_user, reverse("accounts:account"))

    assert f'<a href="{mine}" class="current">Acme Kitchen</a>' in on_shop_page
    assert f'<a href="{theirs}" class="">Other Shop</a>' in on_shop_page
    assert f'<a href="{mine}" class="">Acme Kitchen</a>' in on_account_page
    assert f'<a href="{theirs}" class="">Other Shop</a>' in on_account_page


def test_a_visitors_not_found_page_links_to_the_shops_list(db):
    response = web_client_for(None).get("/no-such-page/")

    assert response.status_code == 404
    assert f'href="{reverse("shops:shop-list")}"' in response.content.decode()


def test_links_are_reversed_under_the_current_script_prefix(shop):
    plain = links(shop.pk)["orders"]
    set_script_prefix("/backoffice/")
    try:
        prefixed = links(shop.pk)["orders"]
    finally:
        set_script_prefix("/")

    assert plain == f"/shops/{shop.pk}/orders/"
    assert prefixed == f"/backoffice/shops/{shop.pk}/orders/"
    assert links(shop.pk)["orders"] == plain


def test_sidebar_counts_the_shops_unread_alerts(shop, other_shop, admin_user):
    first = alert_raise(shop=shop, severity=AlertSeverity.WARNING, message="First.")
    alert_raise(shop=shop, severity=AlertSeverity.WARNING, message="Second.")
    alert_raise(shop=shop, severity=AlertSeverity.WARNING, message="Third.")
    alert_raise(shop=other_shop, severity=AlertSeverity.WARNING, message="Elsewhere.")
    alert_mark_read(actor=admin_user, alert=first)

    page = _page(admin_user, reverse("orders:order-list", args=[shop.pk]))

    assert alert_unread_count(shop.pk) == 2
    assert '<span id="unread-alert-count" class="count">2</span>' in page


# --- query budgets ---------------------------------------------------------------------------


def test_a_shop_page_pays_one_query_for_user_and_one_for_shop_access(
    shop, admin_user, django_assert_max_num_queries
):
    """The alerts page: the user, the shop with the user's roles and shops, the page's
    count and rows, the sidebar's unread count."""
    alert_raise(
        shop=shop, severity=AlertSeverity.WARNING, message="Unknown fulfillment center XYZ1."
    )
    client = web_client_for(admin_user)
    url = reverse("shops:alert-list", args=[shop.pk])
    client.get(url)  # the session is read from the cache from now on

    with django_assert_max_num_queries(5):
        response = client.get(url)

    assert "Unknown fulfillment center XYZ1." in response.content.decode()


def test_the_htmx_grid_request_pays_one_query_for_shop_access(
    shop, admin_user, django_assert_max_num_queries
):
    """The user, the shop with the user's roles, the grid's orders and their totals."""
    client = web_client_for(admin_user)
    url = reverse("orders:order-list", args=[shop.pk])
    client.get(url, headers={"HX-Request": "true"})

    with django_assert_max_num_queries(4):
        response = client.get(url, headers={"HX-Request": "true"})

    assert response.status_code == 200


def test_a_page_without_a_shop_queries_the_switcher_once(
    shop, admin_user, django_assert_max_num_queries
):
    """The account page: the user, its two-factor devices (two), the shops requiring a
    second factor, the switcher's shops and the open invitations."""
    client = web_client_for(admin_user)
    client.get(reverse("accounts:account"))

    with django_assert_max_num_queries(6):
        client.get(reverse("accounts:account"))
