"""The Amazon 1P settings page: panes, secrets, enabling rules, Test connection, FCs, keys."""

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from amazon1p import crypto
from amazon1p.connection import services
from amazon1p.connection.credentials import spapi_connection
from amazon1p.connection.models import AmazonConnection, AmazonStatus, FulfillmentCenter
from shops.audit import SECRET_MASK
from shops.models import AuditEntry, OrderStatus, PaymentStatus
from shops.services import shop_update
from simulator import SimulatorConfig
from tests.support.amazon_settings import SECRET, TOKEN, form_data


@pytest.fixture
def url(shop):
    return reverse("amazon1p:settings", args=[shop.pk])


@pytest.fixture
def connection(shop):
    return services.amazon_connection_for(shop)


def _single_fields(shop, admin_user):
    shop_update(
        actor=admin_user, shop=shop, values={"address_format": "single", "name_format": "single"}
    )


def test_page_shows_every_pane_with_default_mappings(admin_client, url, shop):
    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for pane in (  # the setup article's words (../shared/seed/)
        "Self Authorization",
        "Synchronization Customization",
        "Order Sync Settings",
        "Main Order Status mapping",
        "Payment Order Status mapping",
        "Amazon Fulfillment Centers",
        "BulkBuy Settings",
        "ASN Sync Settings",
        "Document templates",
        "Save and Close",
    ):
        assert pane in html
    connection = AmazonConnection.objects.get(shop=shop)
    mappings = {m.amazon_status: m for m in connection.status_mappings.all()}
    assert set(mappings) == set(AmazonStatus.values)
    assert mappings[AmazonStatus.RECEIVED].payment_status.name == "Paid"


def test_secrets_are_encrypted_write_only_and_masked_in_the_audit_log(
    admin_client, url, shop, connection
):
    response = admin_client.post(
        url, form_data(shop, connection, lwa_client_secret=SECRET, refresh_token=TOKEN)
    )
    assert response.status_code == 302
    stored = AmazonConnection.objects.get(pk=connection.pk)
    assert SECRET not in stored.lwa_client_secret_encrypted
    assert crypto.decrypt(stored.lwa_client_secret_encrypted) == SECRET
    assert stored.lwa_client_secret_hint == SECRET[-4:]
    assert stored.lwa_client_secret_changed_at is not None

    page = admin_client.get(url).content.decode()
    assert SECRET not in page and TOKEN not in page and f"••••••{SECRET[-4:]}" in page
    entry = AuditEntry.objects.get(action="amazon1p.settings.update")
    assert entry.changes["lwa_client_secret"] == ["", SECRET_MASK]
    assert SECRET not in str(entry.changes) and TOKEN not in str(entry.changes)

    # Blank secrets keep the stored ones.
    admin_client.post(url, form_data(shop, connection, vendor_code="VNDR2"))
    again = AmazonConnection.objects.get(pk=connection.pk)
    assert again.vendor_code == "VNDR2"
    assert crypto.decrypt(again.refresh_token_encrypted) == TOKEN


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region": "NA", "marketplace_id": "A1PA6795UKMFR9"}, "marketplace_id"),
        ({"vendor_code": "bad code!"}, "vendor_code"),
        ({"refresh_token": "not-a-token"}, "refresh_token"),
        ({"lwa_client_id": "my-app"}, "lwa_client_id"),
        ({"endpoint_kind": "custom", "custom_base_url": ""}, "custom_base_url"),
        ({"history_from": "2020-01-01"}, "history_from"),
        ({"gs1_company_prefix": "12ab"}, "gs1_company_prefix"),
    ],
)
def test_bad_settings_give_a_field_error_and_save_nothing(
    admin_client, url, shop, connection, overrides, field
):
    before = AmazonConnection.objects.filter(pk=connection.pk).values().get()
    response = admin_client.post(url, form_data(shop, connection, **overrides))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert AmazonConnection.objects.filter(pk=connection.pk).values().get() == before


def test_enabling_is_refused_with_reasons_and_nothing_is_saved(admin_client, url, shop, connection):
    response = admin_client.post(
        url, form_data(shop, connection, enabled="on", vendor_code="", gs1_company_prefix="999999")
    )
    assert response.status_code == 400
    message = " ".join(response.context["form"].errors["enabled"])
    assert "contact info" in message and "vendor code is empty" in message
    assert "client secret and refresh token" in message
    stored = AmazonConnection.objects.get(pk=connection.pk)
    assert not stored.enabled and stored.gs1_company_prefix == ""  # rolled back whole


def test_enabling_is_refused_while_a_mapping_is_missing(
    admin_client, url, shop, connection, admin_user
):
    _single_fields(shop, admin_user)
    data = form_data(shop, connection, enabled="on", lwa_client_secret=SECRET, refresh_token=TOKEN)
    data["map-3-main_status"] = ""
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "map every Amazon status" in " ".join(response.context["form"].errors["enabled"])


def test_enabling_works_once_everything_is_set(admin_client, url, shop, connection, admin_user):
    _single_fields(shop, admin_user)
    response = admin_client.post(
        url,
        form_data(shop, connection, enabled="on", lwa_client_secret=SECRET, refresh_token=TOKEN),
    )
    assert response.status_code == 302
    assert AmazonConnection.objects.get(pk=connection.pk).enabled


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=2)


def test_test_connection_against_the_simulator(admin_client, url, shop, connection, sim):
    data = form_data(
        shop,
        connection,
        action="test",
        endpoint_kind="custom",
        custom_base_url=sim.base_url,
        lwa_client_secret=SECRET,
        refresh_token=TOKEN,
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Test connection (values on this page, not saved): Connected to" in (
        response.content.decode()
    )
    stored = AmazonConnection.objects.get(pk=connection.pk)
    assert stored.last_test_ok is None  # a test of unsaved values is reported on the page only
    assert stored.lwa_client_secret_encrypted == ""  # a test saves nothing


def test_test_connection_names_a_refused_refresh_token(admin_client, url, shop, connection, sim):
    data = form_data(
        shop,
        connection,
        action="test",
        endpoint_kind="custom",
        custom_base_url=sim.base_url,
        lwa_client_secret=SECRET,
        refresh_token="Atzr|revoked-by-vendor",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "refresh token" in " ".join(response.context["form"].errors["refresh_token"])
    assert AmazonConnection.objects.get(pk=connection.pk).last_test_ok is None  # not saved


def test_test_connection_without_credentials_says_what_is_missing(
    admin_client, url, shop, connection
):
    response = admin_client.post(url, form_data(shop, connection, action="test"))
    assert "Enter the LWA client id, client secret and refresh token" in (response.content.decode())


def test_fulfillment_centers_defaults_refs_and_cleanup(admin_client, url, shop, connection):
    admin_client.post(url, {"action": "add_default_fcs"})
    codes = set(
        FulfillmentCenter.objects.filter(connection=connection).values_list("code", flat=True)
    )
    assert {"DTM2", "LEJ1", "MUC3"} <= codes and "ABE2" not in codes  # EU region only
    admin_client.post(url, {"action": "add_default_fcs"})  # twice adds nothing
    assert FulfillmentCenter.objects.filter(connection=connection).count() == len(codes)

    lej1 = FulfillmentCenter.objects.get(connection=connection, code="LEJ1")
    fcs = list(FulfillmentCenter.objects.filter(connection=connection).order_by("code"))
    data = form_data(
        shop, connection, **{"fc-TOTAL_FORMS": str(len(fcs)), "fc-INITIAL_FORMS": str(len(fcs))}
    )
    for i, fc in enumerate(fcs):
        data.update(
            {
                f"fc-{i}-id": fc.pk,
                f"fc-{i}-code": fc.code,
                f"fc-{i}-name": fc.name,
                f"fc-{i}-ship_to_party_ref": "WH-LEIPZIG" if fc == lej1 else "",
                f"fc-{i}-country": fc.country,
            }
        )
    assert admin_client.post(url, data).status_code == 302
    admin_client.post(url, {"action": "remove_empty_fcs"})
    assert list(
        FulfillmentCenter.objects.filter(connection=connection).values_list(
            "code", "ship_to_party_ref"
        )
    ) == [("LEJ1", "WH-LEIPZIG")]


def test_duplicate_fc_codes_are_refused(admin_client, url, shop, connection):
    data = form_data(shop, connection, **{"fc-TOTAL_FORMS": "2"})
    data.update({"fc-0-code": "XYZ1", "fc-1-code": "xyz1"})
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "XYZ1" in " ".join(response.context["fc_formset"].non_form_errors())
    assert not FulfillmentCenter.objects.exists()


def test_a_wrong_key_fails_loudly_and_rotation_moves_secrets_to_the_new_key(
    admin_client, url, shop, connection, settings
):
    admin_client.post(
        url, form_data(shop, connection, lwa_client_secret=SECRET, refresh_token=TOKEN)
    )
    old_key = settings.SECRETS_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()

    settings.SECRETS_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(crypto.SecretKeyError, match="none of SECRETS_ENCRYPTION_KEYS"):
        spapi_connection(AmazonConnection.objects.get(pk=connection.pk))

    settings.SECRETS_ENCRYPTION_KEYS = [new_key, old_key]
    assert services.secrets_rotate() == 2
    settings.SECRETS_ENCRYPTION_KEYS = [new_key]
    rotated = spapi_connection(AmazonConnection.objects.get(pk=connection.pk))
    assert rotated.credentials.lwa_client_secret == SECRET
    assert rotated.credentials.refresh_token == TOKEN


def test_mapping_choices_are_limited_to_the_shop(admin_client, url, shop, connection, other_shop):
    foreign = OrderStatus.objects.filter(shop=other_shop).first()
    data = form_data(shop, connection)
    data["map-0-main_status"] = foreign.pk
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert PaymentStatus.objects.filter(shop=shop).exists()


def test_rotate_secrets_command(admin_client, url, shop, connection, settings):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("rotate_secrets", "--new-key", stdout=out)
    new_key = out.getvalue().strip()
    assert Fernet(new_key.encode())  # a valid key

    admin_client.post(
        url, form_data(shop, connection, lwa_client_secret=SECRET, refresh_token=TOKEN)
    )
    settings.SECRETS_ENCRYPTION_KEYS = [new_key, *settings.SECRETS_ENCRYPTION_KEYS]
    out = StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "2 secret(s)" in out.getvalue()
    settings.SECRETS_ENCRYPTION_KEYS = [new_key]
    assert spapi_connection(AmazonConnection.objects.get(pk=connection.pk)).credentials
