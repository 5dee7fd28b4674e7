"""The shop dashboard: the offers pipeline (count and value per stage, expiring soon, linked
POs), each number linking to the filtered list, for members who may view offers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bulkbuy.linking import purchase_orders_link
from bulkbuy.models import Offer, OfferStatus
from bulkbuy.pipeline import offers_pipeline
from shops.models import Role
from tests.support.factories import UserFactory, add_member
from tests.support.linking import Line, completed_offer, connect, import_po
from tests.support.offers import make_offer
from tests.support.web import web_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(shop, admin_user):
    """Completed (100 + 100 final of 200 + 200 offered), two waiting for Commerce (one of
    them expiring within the day), one at the Warehouse, one expired."""
    connect(shop)
    completed_offer(shop, admin_user, products=(1, 2), final=100)
    now = timezone.now()
    made = {name: make_offer(shop, admin_user, rows=1) for name in ("A", "B", "W", "X")}
    Offer.objects.filter(pk=made["B"].pk).update(expires_at=now + timedelta(hours=20))
    Offer.objects.filter(pk=made["W"].pk).update(status=OfferStatus.WAREHOUSE)
    Offer.objects.filter(pk=made["X"].pk).update(expires_at=now - timedelta(days=1))
    import_po(shop, "PO-1", [Line(1, 40), Line(2, 60)])
    import_po(shop, "PO-2", [Line(1, 500)])  # undefined
    purchase_orders_link(shop_id=shop.pk)
    return made


def test_pipeline_counts_values_and_linked_totals(shop, offers):
    pipeline = offers_pipeline(shop=shop)

    counts = {stage.key: stage.count for stage in pipeline.stages}
    assert counts == {"commerce": 2, "manufacture": 0, "warehouse": 1, "completed": 1, "expired": 1}
    bars = {stage.key: stage.bar for stage in pipeline.stages}
    assert bars == {
        "commerce": 100,
        "manufacture": 0,
        "warehouse": 50,
        "completed": 50,
        "expired": 50,
    }
    completed = next(s for s in pipeline.stages if s.key == "completed")
    assert [(c, str(v)) for c, v in completed.value] == [("EUR", "4200.0000")]  # 2 × 400 × 10.50
    assert [o.pk for o in pipeline.expiring] == [offers["B"].pk] and pipeline.expiring_count == 1
    assert (pipeline.linked_orders, pipeline.undefined_orders) == (1, 1)
    assert [(c, str(v)) for c, v in pipeline.linked_value] == [("EUR", "1050.0000")]
    assert (pipeline.ordered, pipeline.offered, pipeline.fill) == (100, 200, 50)


def test_dashboard_links_each_number_to_the_filtered_list(
    shop, offers, viewer_client, django_assert_max_num_queries
):
    url = reverse("shops:dashboard", args=[shop.pk])
    with django_assert_max_num_queries(25):
        response = viewer_client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    offers_url = reverse("bulkbuy:offer-list", args=[shop.pk])
    for key, count in (("commerce", 2), ("warehouse", 1), ("completed", 1), ("expired", 1)):
        assert f'href="{offers_url}?status={key}" data-testid="count-{key}">{count}<' in page
    assert f'href="{offers_url}?status=expiring" data-testid="count-expiring">1<' in page
    orders_url = reverse("orders:order-list", args=[shop.pk])
    assert f'href="{orders_url}?purchase_type=bulk_buy" data-testid="count-linked">1<' in page
    assert f'href="{orders_url}?purchase_type=undefined" data-testid="count-undefined">1<' in page
    assert 'style="width:50%' in page  # the bar of a stage with half the offers of the widest
    assert f'href="{url}"' in page  # the navigation links to it


def test_dashboard_needs_offers_view_in_the_shop(shop, other_client, client):
    url = reverse("shops:dashboard", args=[shop.pk])
    orders_only = UserFactory(username="orders-only")
    role = Role.objects.create(shop=shop, name="Orders", permissions=["shop.view"])
    add_member(shop, orders_only, role.name)

    assert web_client_for(orders_only).get(url).status_code == 403
    page = web_client_for(orders_only).get(reverse("orders:order-list", args=[shop.pk]))
    assert url not in page.content.decode()  # no navigation link without the permission
    assert other_client.get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))


def test_empty_shop_dashboard(shop, admin_client):
    response = admin_client.get(reverse("shops:dashboard", args=[shop.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "No open offer expires soon." in page
    assert "0 of 0 eaches (0%)" in page
