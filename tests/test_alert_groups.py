"""Grouped alerts (one alert with a count and a link instead of one per object), the Alerts
page's filters and Mark all as read."""

import pytest
from django.urls import reverse

from orders import selectors
from orders.models import Order
from shops.alerts import AlertGroup, alert_group_raise, alerts_group_raise, alerts_mark_all_read
from shops.models import Alert, AlertItem, AlertKind, AlertSeverity, AuditEntry
from shops.services import alert_mark_read, alert_raise
from tests.support.factories import make_order

pytestmark = pytest.mark.django_db


def _fc_group(order_ids, message="Unknown fulfillment center ZRH2."):
    return AlertGroup(
        "fc-unknown:ZRH2",
        AlertKind.FULFILLMENT_CENTER,
        AlertSeverity.WARNING,
        message,
        Order,
        order_ids,
    )


def test_raising_a_group_twice_counts_each_order_once(shop):
    orders = [make_order(shop, f"PO{i}") for i in range(3)]
    ids = [o.pk for o in orders]
    alerts_group_raise(shop=shop, groups=[_fc_group(ids[:2])])
    alerts_group_raise(shop=shop, groups=[_fc_group(ids[:2])])  # the same page stored again
    alerts_group_raise(shop=shop, groups=[_fc_group(ids[1:])])  # one new, one known

    (alert,) = Alert.objects.filter(shop=shop)
    assert alert.count == 3
    assert sorted(alert.items.values_list("object_id", flat=True)) == sorted(ids)
    assert alert.kind == "fulfillment_center" and alert.group_key == "fc-unknown:ZRH2"


def test_one_upsert_for_many_groups_and_orders(shop, django_assert_max_num_queries):
    orders = [make_order(shop, f"PO{i}") for i in range(40)]
    groups = [
        AlertGroup(f"fc-unknown:X{n}", "fulfillment_center", "warning", f"X{n}", Order, ids)
        for n, ids in enumerate([[o.pk for o in orders[:20]], [o.pk for o in orders[20:]]])
    ]
    # Upsert, items, one count update per group: not a query per order.
    with django_assert_max_num_queries(5):
        alerts_group_raise(shop=shop, groups=groups)
    assert sorted(Alert.objects.values_list("count", flat=True)) == [20, 20]


def test_a_read_group_opens_a_new_one_next_time(shop, admin_user):
    first, second = make_order(shop, "PO1"), make_order(shop, "PO2")
    alert = alert_group_raise(
        shop=shop,
        key="ack-overdue",
        kind="acknowledgement",
        severity="error",
        message="Overdue",
        item_model=Order,
        object_ids=[first.pk],
    )
    alert_mark_read(actor=admin_user, alert=alert)
    again = alert_group_raise(
        shop=shop,
        key="ack-overdue",
        kind="acknowledgement",
        severity="error",
        message="Overdue",
        item_model=Order,
        object_ids=[second.pk],
    )
    assert again.pk != alert.pk and again.count == 1 and not again.is_read
    alert.refresh_from_db()
    assert alert.is_read and alert.group_key is None and alert.count == 1


def test_grouped_alert_shows_on_its_orders_pages_and_filters_the_grid(shop, admin_client):
    a, b, other = make_order(shop, "PO1"), make_order(shop, "PO2"), make_order(shop, "PO3")
    alerts_group_raise(shop=shop, groups=[_fc_group([a.pk, b.pk])])
    alert = Alert.objects.get(shop=shop)
    assert list(selectors.order_alerts(order=a)) == [alert]
    assert not selectors.order_alerts(order=other).exists()

    page = admin_client.get(reverse("shops:alert-list", args=[shop.pk])).content.decode()
    assert "2 orders" in page and f"?alert={alert.pk}" in page

    grid = admin_client.get(reverse("orders:order-list", args=[shop.pk]), {"alert": alert.pk})
    assert {o.number for o in grid.context["page"].orders} == {"PO1", "PO2"}
    assert "data-alert-filter" in grid.content.decode()


def test_grid_ignores_another_shops_alert(shop, other_shop, admin_client):
    make_order(shop, "PO1")
    theirs = make_order(other_shop, "PO9")
    alerts_group_raise(shop=other_shop, groups=[_fc_group([theirs.pk])])
    alert = Alert.objects.get(shop=other_shop)
    grid = admin_client.get(reverse("orders:order-list", args=[shop.pk]), {"alert": alert.pk})
    # Refused as bad input (the form names the field); the grid shows this shop's orders only.
    assert grid.status_code == 400
    assert {o.number for o in grid.context["page"].orders} == {"PO1"}


def test_alert_page_filters_by_severity_and_kind(shop, admin_client):
    alert_raise(shop=shop, severity=AlertSeverity.ERROR, message="Run failed", kind="sync")
    alert_raise(shop=shop, severity=AlertSeverity.WARNING, message="Offer expires", kind="offer")
    alert_raise(shop=shop, severity=AlertSeverity.INFO, message="Welcome")
    url = reverse("shops:alert-list", args=[shop.pk])

    def shown(**query):
        return [a.message for a in admin_client.get(url, query).context["page"].object_list]

    assert len(shown()) == 3
    assert shown(severity="error") == ["Run failed"]
    assert shown(kind="offer") == ["Offer expires"]
    assert shown(kind="other") == ["Welcome"]
    assert len(shown(severity="nonsense")) == 3  # a stale link shows everything


def test_mark_all_as_read_covers_the_filter_and_writes_one_audit_entry(shop, admin_client):
    for n in range(3):
        alert_raise(shop=shop, severity=AlertSeverity.ERROR, message=f"e{n}", kind="sync")
    alert_raise(shop=shop, severity=AlertSeverity.INFO, message="info")
    url = reverse("shops:alert-read-all", args=[shop.pk])

    response = admin_client.post(url, {"severity": "error", "kind": ""})
    assert response.status_code == 302
    assert list(Alert.objects.filter(is_read=False).values_list("message", flat=True)) == ["info"]
    admin_client.post(url, {})
    admin_client.post(url, {})  # nothing left: no second entry
    assert not Alert.objects.filter(is_read=False).exists()
    entries = AuditEntry.objects.filter(shop=shop, action="alert.read_all")
    assert [e.changes["alerts"] for e in entries.order_by("id")] == [[None, 3], [None, 1]]


def test_mark_all_as_read_is_post_only_and_per_shop(shop, other_shop, viewer_client, other_client):
    alert_raise(shop=shop, severity=AlertSeverity.INFO, message="mine")
    url = reverse("shops:alert-read-all", args=[shop.pk])
    assert viewer_client.get(url).status_code == 405
    assert other_client.post(url).status_code == 404
    assert Alert.objects.filter(is_read=False).count() == 1
    assert viewer_client.post(url).status_code == 302  # viewers may read their alerts
    assert not Alert.objects.filter(is_read=False).exists()


def test_mark_all_read_service_returns_how_many(shop, admin_user):
    alert_raise(shop=shop, severity=AlertSeverity.INFO, message="one")
    assert alerts_mark_all_read(actor=admin_user, shop=shop) == 1
    assert alerts_mark_all_read(actor=admin_user, shop=shop) == 0
    assert AlertItem.objects.count() == 0
