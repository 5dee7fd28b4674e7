"""Contact info cannot leave single fields while Amazon 1P sync is enabled."""

import pytest

from amazon1p.connection.models import AmazonConnection
from shops import services
from shops.guards import ShopChangeRefused
from shops.models import AddressFormat, AuditEntry, NameFormat, Shop

URL = "/shops/{}/settings/contact-info/"


@pytest.fixture
def single_field_shop(shop):
    Shop.objects.filter(pk=shop.pk).update(
        address_format=AddressFormat.SINGLE, name_format=NameFormat.SINGLE
    )
    shop.refresh_from_db()
    return shop


def _connection(shop, *, enabled: bool) -> AmazonConnection:
    return AmazonConnection.objects.create(shop=shop, enabled=enabled, vendor_code="VNDR1")


def test_form_refuses_separate_fields_while_amazon_sync_is_enabled(single_field_shop, admin_client):
    shop = single_field_shop
    _connection(shop, enabled=True)
    audited = AuditEntry.objects.filter(action="shop.update").count()

    response = admin_client.post(
        URL.format(shop.pk),
        {"address_format": AddressFormat.SEPARATE, "name_format": NameFormat.SINGLE},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Amazon 1P synchronization is enabled" in page
    assert f'href="/shops/{shop.pk}/amazon-1p/"' in page
    shop.refresh_from_db()
    assert shop.address_format == AddressFormat.SINGLE and shop.has_single_field_contact_info
    assert AuditEntry.objects.filter(action="shop.update").count() == audited


def test_service_refuses_a_separate_name_while_enabled(single_field_shop, admin_user):
    _connection(single_field_shop, enabled=True)

    with pytest.raises(ShopChangeRefused, match="Disable the synchronization") as raised:
        services.shop_update(
            actor=admin_user, shop=single_field_shop, values={"name_format": NameFormat.FIRST_LAST}
        )

    assert raised.value.field == "name_format"
    single_field_shop.refresh_from_db()
    assert single_field_shop.name_format == NameFormat.SINGLE


def test_change_is_saved_while_sync_is_off_or_absent(single_field_shop, admin_client):
    shop = single_field_shop
    separate = {"address_format": AddressFormat.SEPARATE, "name_format": NameFormat.FIRST_LAST}
    assert admin_client.post(URL.format(shop.pk), separate).status_code == 302
    shop.refresh_from_db()
    assert not shop.has_single_field_contact_info

    _connection(shop, enabled=False)
    single = {"address_format": AddressFormat.SINGLE, "name_format": NameFormat.SINGLE}
    assert admin_client.post(URL.format(shop.pk), single).status_code == 302
    assert admin_client.post(URL.format(shop.pk), separate).status_code == 302


def test_staying_on_single_fields_is_saved_while_enabled(single_field_shop, admin_client):
    _connection(single_field_shop, enabled=True)
    single = {"address_format": AddressFormat.SINGLE, "name_format": NameFormat.SINGLE}
    assert admin_client.post(URL.format(single_field_shop.pk), single).status_code == 302
