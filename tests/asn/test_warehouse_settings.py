"""The warehouses page: the shared settings-collection pages, under the shipments URLs."""

from django.urls import reverse

from asn.models import Warehouse
from shops.models import AuditEntry
from tests.support.web import web_client_for

NEW = {
    "code": "WH2",
    "name": "Second warehouse",
    "address_line": "Hafenstraße 1",
    "postal_code": "20457",
    "city": "Hamburg",
    "country": "de",
}


def test_adding_a_warehouse_stores_it_and_audits_it(shop, admin_user):
    client = web_client_for(admin_user)
    url = reverse("asn:warehouse-list", args=[shop.pk])
    response = client.post(url, NEW)
    assert response.status_code == 302
    assert response["Location"] == url
    stored = Warehouse.objects.get(shop=shop, code="WH2")
    assert stored.country == "DE"
    assert AuditEntry.objects.filter(shop=shop, action="warehouse.create").count() == 1
    page = client.get(url)
    assert "Hafenstraße 1, 20457 Hamburg, DE" in page.content.decode()


def test_a_warehouse_code_taken_in_the_shop_is_refused(shop, admin_user, warehouse):
    response = web_client_for(admin_user).post(
        reverse("asn:warehouse-list", args=[shop.pk]), {**NEW, "code": warehouse.code}
    )
    assert response.status_code == 400
    assert "already" in response.context["form"].errors["code"][0]
    assert Warehouse.objects.filter(shop=shop).count() == 1


def test_editing_a_warehouse_audits_the_change(shop, admin_user, warehouse):
    response = web_client_for(admin_user).post(
        reverse("asn:warehouse-edit", args=[shop.pk, warehouse.pk]),
        {**NEW, "code": warehouse.code, "city": "Halle"},
    )
    assert response.status_code == 302
    warehouse.refresh_from_db()
    assert warehouse.city == "Halle"
    entry = AuditEntry.objects.get(shop=shop, action="warehouse.update")
    assert entry.changes["city"] == ["Leipzig", "Halle"]


def test_a_warehouse_with_group_shipments_is_not_deleted(shop, admin_user, group):
    client = web_client_for(admin_user)
    response = client.post(
        reverse("asn:warehouse-delete", args=[shop.pk, group.warehouse_id]), follow=True
    )
    assert Warehouse.objects.filter(pk=group.warehouse_id).exists()
    assert "cannot be deleted" in response.content.decode()
