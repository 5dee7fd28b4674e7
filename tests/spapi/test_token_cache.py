"""One LWA access token per connection, kept in Django's cache across clients (tasks) and
processes until shortly before it expires; a changed credential never reuses one."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from amazon1p import crypto
from amazon1p.connection.credentials import spapi_connection
from amazon1p.spapi.client import RetryPolicy, VendorClient
from amazon1p.spapi.factory import CachedTokens, vendor_client_for
from amazon1p.spapi.lwa import TOKEN_REFRESH_MARGIN
from amazon1p.spapi.ratelimit import LocalRateLimiter
from tests.support.amazon import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim(simulator_factory):
    """A simulator of its own for every test: the tests count its token requests."""
    return simulator_factory(seed=5, orders_per_day=4, rate_limits=False)


@pytest.fixture
def connection(shop, sim):
    return connect(shop, sim)


def _paths(sim) -> list[str]:
    return [entry["path"] for entry in sim.requests()]


def _token_requests(sim) -> int:
    return _paths(sim).count("/auth/o2/token")


def _task(client: VendorClient) -> None:
    """What a task does with its own client: one vendor call."""
    now = datetime.now(UTC).replace(microsecond=0)
    with client:
        next(
            client.list_purchase_orders(
                created_after=now - timedelta(days=1),
                created_before=now,
                include_details=False,
                limit=1,
            )
        )


def test_tasks_in_a_row_share_one_token(connection, sim):
    for _ in range(5):
        _task(vendor_client_for(spapi_connection(connection)))

    assert _token_requests(sim) == 1
    assert _paths(sim).count("/vendor/orders/v1/purchaseOrders") == 5


def test_the_cached_token_is_encrypted(connection, sim):
    spapi = spapi_connection(connection)
    _task(vendor_client_for(spapi))

    stored = cache.get(spapi.token_key)
    assert stored and "Atza|" not in stored
    assert "Atza|" in crypto.decrypt(stored)
    assert spapi.token_key.startswith(f"spapi:lwa:{connection.pk}:")
    assert spapi.credentials.refresh_token not in spapi.token_key


def test_a_token_is_renewed_shortly_before_it_expires(connection, sim):
    now = [1_000_000.0]

    def client() -> VendorClient:
        return VendorClient(
            spapi_connection(connection),
            rate_limiter=LocalRateLimiter(),
            retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02),
            clock=lambda: now[0],
            shared_tokens=CachedTokens(clock=lambda: now[0]),
        )

    _task(client())
    now[0] += 3600 - TOKEN_REFRESH_MARGIN - 1  # the simulator's tokens live 3600 s
    _task(client())
    assert _token_requests(sim) == 1

    now[0] += 2
    _task(client())
    _task(client())
    assert _token_requests(sim) == 2


def test_a_changed_refresh_token_gets_its_own_token(connection, sim):
    _task(vendor_client_for(spapi_connection(connection)))
    connection.refresh_token_encrypted = crypto.encrypt("Atzr|a-new-authorisation")
    connection.save()

    _task(vendor_client_for(spapi_connection(connection)))
    _task(vendor_client_for(spapi_connection(connection)))

    assert _token_requests(sim) == 2


def test_another_connection_with_the_same_credentials_gets_its_own_token(
    connection, sim, other_shop
):
    _task(vendor_client_for(spapi_connection(connection)))
    _task(vendor_client_for(spapi_connection(connect(other_shop, sim))))

    assert _token_requests(sim) == 2


def test_a_cached_token_amazon_refuses_is_replaced(connection, sim):
    spapi = spapi_connection(connection)
    CachedTokens().put(spapi.token_key, "Atza|revoked-or-from-another-simulator", 3600)

    _task(vendor_client_for(spapi))
    _task(vendor_client_for(spapi))

    assert _token_requests(sim) == 1
    token, _ = CachedTokens().get(spapi.token_key)
    assert token != "Atza|revoked-or-from-another-simulator"


def test_an_unreachable_cache_costs_a_token_request_not_the_call(connection, sim, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        }
    }

    _task(vendor_client_for(spapi_connection(connection)))
    _task(vendor_client_for(spapi_connection(connection)))

    assert _token_requests(sim) == 2
    assert _paths(sim).count("/vendor/orders/v1/purchaseOrders") == 2
