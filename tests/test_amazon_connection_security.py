"""Where the stored LWA secrets may go (#14, #17): Amazon's hosts only unless the deployment
allows custom endpoints; never to an endpoint, region or client id they were not saved for;
Test connection bounded in time, reporting unsaved values on the page only; audit entries
name the endpoint; a foreign fulfillment-center id is a form error."""

import socket
import time
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from django.urls import reverse

from amazon1p.connection import services
from amazon1p.connection.checks import custom_endpoints_check
from amazon1p.connection.credentials import secrets_fingerprint_of, spapi_connection
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute
from amazon1p.models import AmazonConnection, FulfillmentCenter, SyncKind, SyncStatus
from amazon1p.spapi.client import ApiAccess
from amazon1p.spapi.endpoints import Endpoint, EndpointKind, Region, secrets_fingerprint
from amazon1p.spapi.errors import AmazonEndpointRefusedError
from amazon1p.spapi.factory import vendor_client_for
from amazon1p.spapi.types import Credentials
from core.errors import ShopCtrlError
from shops.models import AuditEntry
from simulator import SimulatorConfig
from tests.support.amazon import connect
from tests.support.amazon_settings import SECRET, TOKEN, form_data, hanging_server

AMAZON_HOSTS = {"api.amazon.com", "sellingpartnerapi-eu.amazon.com"}
LWA = "https://api.amazon.com/auth/o2/token"
ORDERS = "https://sellingpartnerapi-eu.amazon.com/vendor/orders/v1/purchaseOrders"
CLIENT_ID = "amzn1.application-oa2-client.abc123"
RETYPE = "enter the LWA client secret and the refresh token again"


@pytest.fixture
def url(shop):
    return reverse("amazon1p:settings", args=[shop.pk])


@pytest.fixture
def connection(shop):
    return services.amazon_connection_for(shop)


@pytest.fixture
def production(settings):
    """Production settings: no custom endpoints."""
    settings.SPAPI_ALLOW_CUSTOM_ENDPOINTS = False
    return settings


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(seed=3)


@pytest.fixture
def network():
    """Every outgoing request is recorded; only Amazon's LWA and EU SP-API hosts answer."""
    with respx.mock(assert_all_called=False) as mock:
        mock.post(LWA, name="lwa").mock(
            return_value=httpx.Response(200, json={"access_token": "Atza|x", "expires_in": 3600})
        )
        mock.get(url__startswith=ORDERS, name="orders").mock(
            return_value=httpx.Response(200, json={"payload": {"orders": []}})
        )
        mock.route(name="elsewhere").mock(return_value=httpx.Response(599))
        yield mock


def hosts(mock) -> set[str]:
    return {call.request.url.host for call in mock.calls}


def saved_production(client, url, shop, connection) -> AmazonConnection:
    response = client.post(
        url, form_data(shop, connection, lwa_client_secret=SECRET, refresh_token=TOKEN)
    )
    assert response.status_code == 302
    return AmazonConnection.objects.get(pk=connection.pk)


# --- production settings: Amazon's hosts only -------------------------------------------------


def test_in_production_the_secrets_reach_only_amazons_hosts(
    production, admin_client, url, shop, connection, network
):
    saved_production(admin_client, url, shop, connection)
    response = admin_client.post(url, form_data(shop, connection, action="test"))
    assert "Test connection: Connected to https://sellingpartnerapi-eu.amazon.com" in (
        response.content.decode()
    )
    assert hosts(network) == AMAZON_HOSTS and network["elsewhere"].call_count == 0
    sent = parse_qs(network["lwa"].calls.last.request.content.decode())
    assert sent["client_secret"] == [SECRET] and sent["refresh_token"] == [TOKEN]
    assert SECRET not in str(network["orders"].calls.last.request.headers)


def test_in_production_the_form_offers_no_custom_url_and_refuses_one(
    production, admin_client, url, shop, connection, network
):
    saved_production(admin_client, url, shop, connection)
    page = admin_client.get(url)
    assert "custom_base_url" not in page.context["form"].fields
    assert 'value="custom"' not in page.content.decode()
    for action in ("test", "save"):
        response = admin_client.post(
            url,
            form_data(
                shop,
                connection,
                action=action,
                endpoint_kind="custom",
                custom_base_url="http://attacker.example:22",
            ),
        )
        assert response.status_code == 400
        assert "endpoint_kind" in response.context["form"].errors
    assert network.calls.call_count == 0
    stored = AmazonConnection.objects.get(pk=connection.pk)
    assert stored.endpoint_kind == "production" and stored.custom_base_url == ""
    with pytest.raises(ShopCtrlError, match="switched off"):  # the service refuses it too
        services.amazon_settings_save(
            actor=None,
            connection=stored,
            values={"endpoint_kind": "custom", "custom_base_url": "http://attacker.example"},
            secrets={"lwa_client_secret": SECRET, "refresh_token": TOKEN},
            mappings=[],
            fulfillment_centers=[],
        )


def test_a_stored_custom_url_is_refused_at_use_time_when_custom_endpoints_are_off(
    shop, sim_connection, settings
):
    settings.SPAPI_ALLOW_CUSTOM_ENDPOINTS = False
    with respx.mock(assert_all_called=False) as mock:
        mock.route().mock(return_value=httpx.Response(599))
        with pytest.raises(AmazonEndpointRefusedError, match="SPAPI_ALLOW_CUSTOM_ENDPOINTS"):
            vendor_client_for(spapi_connection(sim_connection))
        run, _ = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
        done = sync_run_execute(run_id=run.pk)
        result = services.amazon_connection_test(
            actor=None, connection=sim_connection, overrides={}, secrets={}
        )
        assert mock.calls.call_count == 0
    assert done.status == SyncStatus.FAILED and "custom endpoint URLs are switched off" in (
        done.error
    )
    assert not result.ok and result.saved and "Nothing was sent" in result.message
    assert AmazonConnection.objects.get(pk=sim_connection.pk).last_test_ok is False


def test_the_lwa_token_url_follows_the_endpoint_and_is_amazons_for_amazon_hosts():
    for region in Region:
        for kind in (EndpointKind.PRODUCTION, EndpointKind.SANDBOX):
            endpoint = Endpoint.for_region(region, kind)
            assert endpoint.is_amazon and endpoint.lwa_url == LWA
    assert not Endpoint.custom("https://sellingpartnerapi-eu.amazon.com.evil.example").is_amazon
    assert not Endpoint("https://sellingpartnerapi-eu.amazon.com", "http://x/auth").is_amazon


def test_deploy_check_warns_while_custom_endpoints_are_on_in_production(settings):
    settings.DEBUG = False
    settings.SPAPI_ALLOW_CUSTOM_ENDPOINTS = True
    assert [w.id for w in custom_endpoints_check(None)] == ["amazon1p.W001"]
    settings.SPAPI_ALLOW_CUSTOM_ENDPOINTS = False
    assert custom_endpoints_check(None) == []


# --- secrets stay with what they were saved for -----------------------------------------------


@pytest.mark.parametrize("action", ["save", "test"])
@pytest.mark.parametrize(
    "change",
    [
        {"region": "NA", "marketplace_id": "ATVPDKIKX0DER"},
        {"endpoint_kind": "sandbox"},
        {"lwa_client_id": "amzn1.application-oa2-client.other"},
        {"endpoint_kind": "custom", "custom_base_url": "http://127.0.0.1:9"},
    ],
)
def test_changing_region_endpoint_or_client_id_needs_both_secrets_again(
    admin_client, url, shop, connection, network, change, action
):
    before = saved_production(admin_client, url, shop, connection)
    response = admin_client.post(url, form_data(shop, connection, action=action, **change))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert RETYPE in " ".join(errors["lwa_client_secret"])
    assert RETYPE in " ".join(errors["refresh_token"])
    # Typing only one of them is not enough either.
    response = admin_client.post(
        url, form_data(shop, connection, action=action, lwa_client_secret=SECRET, **change)
    )
    assert response.status_code == 400
    assert RETYPE in " ".join(response.context["form"].errors["refresh_token"])
    assert network.calls.call_count == 0
    after = AmazonConnection.objects.get(pk=connection.pk)
    assert (after.region, after.endpoint_kind, after.lwa_client_id) == (
        before.region,
        before.endpoint_kind,
        before.lwa_client_id,
    )
    assert after.secrets_fingerprint == before.secrets_fingerprint
    assert AmazonConnection.objects.get(pk=connection.pk).last_test_at is None


def test_with_both_secrets_typed_again_the_change_is_saved_and_bound_to_the_new_endpoint(
    admin_client, url, shop, connection
):
    before = saved_production(admin_client, url, shop, connection)
    response = admin_client.post(
        url,
        form_data(
            shop, connection, endpoint_kind="sandbox", lwa_client_secret=SECRET, refresh_token=TOKEN
        ),
    )
    assert response.status_code == 302
    after = AmazonConnection.objects.get(pk=connection.pk)
    assert after.endpoint_kind == "sandbox"
    assert after.secrets_fingerprint == secrets_fingerprint(
        Endpoint.for_region(Region.EU, EndpointKind.SANDBOX), CLIENT_ID
    )
    assert after.secrets_fingerprint != before.secrets_fingerprint
    # Other settings still save with the secrets left blank.
    assert (
        admin_client.post(url, form_data(shop, connection, endpoint_kind="sandbox")).status_code
        == 302
    )


def test_the_service_refuses_to_carry_stored_secrets_to_another_endpoint(
    admin_client, url, shop, connection, admin_user
):
    stored = saved_production(admin_client, url, shop, connection)
    with pytest.raises(ShopCtrlError, match=RETYPE):
        services.amazon_settings_save(
            actor=admin_user,
            connection=stored,
            values={"endpoint_kind": "sandbox"},
            secrets={},
            mappings=[],
            fulfillment_centers=[],
        )
    assert AmazonConnection.objects.get(pk=connection.pk).endpoint_kind == "production"


@pytest.fixture
def sim_connection(shop, sim):
    return connect(shop, sim)


def test_a_stored_connection_whose_host_changed_is_refused_before_any_request(shop, sim_connection):
    # Changed behind the form's back (a database edit, an old bug): the secrets were saved for
    # the simulator, not for this host.
    AmazonConnection.objects.filter(pk=sim_connection.pk).update(
        custom_base_url="http://127.0.0.1:9"
    )
    moved = AmazonConnection.objects.get(pk=sim_connection.pk)
    with respx.mock(assert_all_called=False) as mock:
        mock.route().mock(return_value=httpx.Response(599))
        with pytest.raises(AmazonEndpointRefusedError, match="saved for another endpoint"):
            vendor_client_for(spapi_connection(moved))
        run, _ = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
        done = sync_run_execute(run_id=run.pk)
        result = services.amazon_connection_test(
            actor=None, connection=moved, overrides={}, secrets={}
        )
        assert mock.calls.call_count == 0
    assert done.status == SyncStatus.FAILED and "Nothing was sent" in done.error
    assert not result.ok and RETYPE in result.message


def test_the_factory_refuses_credentials_bound_to_another_endpoint_or_client_id():
    credentials = Credentials(CLIENT_ID, SECRET, TOKEN)
    amazon = Endpoint.for_region(Region.EU, EndpointKind.PRODUCTION)
    bound = secrets_fingerprint(amazon, CLIENT_ID)
    for endpoint, fingerprint in (
        (Endpoint.for_region(Region.NA, EndpointKind.PRODUCTION), bound),
        (amazon, secrets_fingerprint(amazon, "amzn1.application-oa2-client.other")),
        (amazon, ""),
    ):
        connection = ApiAccess("acct", endpoint, credentials, secrets_fingerprint=fingerprint)
        with respx.mock(assert_all_called=False) as mock:
            mock.route().mock(return_value=httpx.Response(599))
            with pytest.raises(AmazonEndpointRefusedError):
                vendor_client_for(connection)
            assert mock.calls.call_count == 0


def test_the_data_migration_binds_stored_secrets_to_the_settings_they_are_used_with(shop):
    from django.db import connection as db
    from django.db.migrations.executor import MigrationExecutor

    with db.cursor() as cursor:  # the shop's rows' deferred checks, before any ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(db)
    bind = next(
        key
        for key in executor.loader.graph.nodes
        if key[0] == "amazon1p" and key[1].endswith("bind_stored_secrets_to_their_endpoint")
    )
    before = [parent.key for parent in executor.loader.graph.node_map[bind].parents]
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    OldConnection = old_apps.get_model("amazon1p", "AmazonConnection")
    with_secrets = OldConnection.objects.create(
        shop_id=shop.pk,
        region="EU",
        endpoint_kind="sandbox",
        lwa_client_id=CLIENT_ID,
        refresh_token_encrypted="ciphertext",
    )

    executor = MigrationExecutor(db)
    executor.migrate([bind])
    # The test runs in one transaction: fire the deferred FK checks of the rows written so
    # far, or a later migration's ALTER TABLE meets "pending trigger events".
    with db.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(db)
    executor.migrate(executor.loader.graph.leaf_nodes())
    bound = AmazonConnection.objects.get(pk=with_secrets.pk)
    assert bound.secrets_fingerprint == secrets_fingerprint(
        Endpoint.for_region(Region.EU, EndpointKind.SANDBOX), CLIENT_ID
    )
    assert bound.secrets_fingerprint == secrets_fingerprint_of(bound)


# --- Test connection: bounded, and unsaved values stay on the page -------------------------


def closed_port_url() -> str:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: connections are refused
    return f"http://127.0.0.1:{port}"


def _timed_test(admin_client, url, shop, connection, base_url):
    data = form_data(
        shop,
        connection,
        action="test",
        endpoint_kind="custom",
        custom_base_url=base_url,
        lwa_client_secret=SECRET,
        refresh_token=TOKEN,
    )
    started = time.monotonic()
    response = admin_client.post(url, data)
    return response, time.monotonic() - started


def test_test_connection_gives_up_within_its_bound_on_a_silent_or_closed_host(
    admin_client, url, shop, connection, capsys
):
    bound = services.CONNECTION_TEST_SECONDS
    with hanging_server() as silent:
        response, hanging = _timed_test(admin_client, url, shop, connection, silent)
    page = response.content.decode()
    assert f"No usable answer from {silent}" in page and "Timeout" in page
    assert bound - 0.5 <= hanging <= bound + 1.5

    response, refused = _timed_test(admin_client, url, shop, connection, closed_port_url())
    assert "ConnectError" in response.content.decode()
    assert refused < 2
    with capsys.disabled():
        print(
            f"\nTest connection gave up: silent host {hanging:.2f} s, closed port {refused:.2f} s"
        )


def test_a_test_of_unsaved_values_leaves_the_stored_last_test_alone(
    admin_client, url, shop, connection, sim, admin_user
):
    def post(**overrides):
        return admin_client.post(
            url,
            form_data(
                shop,
                connection,
                endpoint_kind="custom",
                custom_base_url=sim.base_url,
                **overrides,
            ),
        )

    assert post(lwa_client_secret=SECRET, refresh_token=TOKEN).status_code == 302
    page = post(action="test").content.decode()
    assert "Test connection: Connected to" in page
    tested = AmazonConnection.objects.get(pk=connection.pk)
    assert tested.last_test_ok is True

    # A revoked token typed in but not saved: the page says so, the saved connection is fine.
    response = post(action="test", refresh_token="Atzr|revoked-by-vendor")
    assert response.status_code == 400
    assert "Test connection failed (values on this page, not saved)" in response.content.decode()
    assert "refresh token" in " ".join(response.context["form"].errors["refresh_token"])
    # Another vendor code on the page is not the saved connection either.
    assert "not saved" in post(action="test", vendor_code="OTHER1").content.decode()
    after = AmazonConnection.objects.get(pk=connection.pk)
    assert (after.last_test_ok, after.last_test_at) == (True, tested.last_test_at)
    entries = AuditEntry.objects.filter(action="amazon1p.connection.test").order_by("pk")
    assert [e.changes["values"][1] for e in entries] == [
        "saved settings",
        "unsaved values on the page",
        "unsaved values on the page",
    ]

    # Once saved, a failing test of the saved values is what "last test" shows.
    assert post(refresh_token="Atzr|revoked-by-vendor").status_code == 302
    assert "Test connection failed: " in post(action="test").content.decode()
    assert AmazonConnection.objects.get(pk=connection.pk).last_test_ok is False


def test_audit_entries_of_tests_and_saves_name_the_endpoint_never_the_secrets(
    production, admin_client, url, shop, connection, network
):
    saved_production(admin_client, url, shop, connection)
    admin_client.post(url, form_data(shop, connection, action="test"))
    admin_client.post(
        url,
        form_data(
            shop, connection, endpoint_kind="sandbox", lwa_client_secret=SECRET, refresh_token=TOKEN
        ),
    )
    admin_client.post(
        url, form_data(shop, connection, endpoint_kind="sandbox", vendor_code="VNDR2")
    )
    production_url = "https://sellingpartnerapi-eu.amazon.com"
    sandbox_url = "https://sandbox.sellingpartnerapi-eu.amazon.com"
    saves = AuditEntry.objects.filter(action="amazon1p.settings.update").order_by("pk")
    assert [e.changes["endpoint"] for e in saves] == [
        [None, production_url],
        [production_url, sandbox_url],
        [None, sandbox_url],
    ]
    test = AuditEntry.objects.get(action="amazon1p.connection.test")
    assert test.changes["endpoint"] == [None, production_url]
    for entry in AuditEntry.objects.all():
        assert SECRET not in str(entry.changes) and TOKEN not in str(entry.changes)


# --- fulfillment centers of another shop ------------------------------------------------------


def _fc_rows(shop, connection, rows):
    data = form_data(
        shop,
        connection,
        **{"fc-TOTAL_FORMS": str(len(rows)), "fc-INITIAL_FORMS": str(len(rows))},
    )
    for i, (pk, code) in enumerate(rows):
        data.update({f"fc-{i}-id": pk, f"fc-{i}-code": code, f"fc-{i}-ship_to_party_ref": "X"})
    return data


def test_another_shops_fulfillment_center_id_is_a_form_error(
    admin_client, url, shop, connection, other_shop
):
    other = services.amazon_connection_for(other_shop)
    foreign = FulfillmentCenter.objects.create(connection=other, code="LEJ1")
    own = FulfillmentCenter.objects.create(connection=connection, code="MUC3")
    for rows in (
        [(foreign.pk, "LEJ1")],
        [(foreign.pk, "MUC3")],  # was a 500: a second MUC3 for this shop
        [(own.pk, "MUC3"), (foreign.pk, "LEJ1")],
    ):
        response = admin_client.post(url, _fc_rows(shop, connection, rows))
        assert response.status_code == 400
        assert "not one of this shop's" in " ".join(
            response.context["fc_formset"].non_form_errors()
        )
        data = _fc_rows(shop, connection, rows)
        data["fc-0-DELETE"] = "on"
        assert admin_client.post(url, data).status_code == 400
    assert set(
        FulfillmentCenter.objects.values_list("connection_id", "code", "ship_to_party_ref")
    ) == {(other.pk, "LEJ1", ""), (connection.pk, "MUC3", "")}


def test_a_new_row_with_a_code_the_shop_already_has_is_a_form_error(
    admin_client, url, shop, connection
):
    FulfillmentCenter.objects.create(connection=connection, code="MUC3")
    data = form_data(shop, connection, **{"fc-TOTAL_FORMS": "1", "fc-INITIAL_FORMS": "0"})
    data.update({"fc-0-code": "muc3"})
    response = admin_client.post(url, data)
    assert response.status_code == 400
    assert "MUC3" in " ".join(response.context["fc_formset"].non_form_errors())
    assert FulfillmentCenter.objects.filter(connection=connection).count() == 1
