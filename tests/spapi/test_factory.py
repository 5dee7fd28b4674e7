"""The client factory picks the shared Redis limiter, or says it falls back."""

import logging

from amazon1p.spapi import ratelimit
from amazon1p.spapi.client import ApiAccess
from amazon1p.spapi.endpoints import Endpoint, EndpointKind, Region, secrets_fingerprint
from amazon1p.spapi.factory import vendor_client_for
from amazon1p.spapi.ratelimit import LocalRateLimiter, RedisRateLimiter
from amazon1p.spapi.types import Credentials


def _connection(endpoint: Endpoint) -> ApiAccess:
    credentials = Credentials("amzn1.application-oa2-client.x", "s", "Atzr|r")
    return ApiAccess(
        account_key="shop-1",
        endpoint=endpoint,
        credentials=credentials,
        secrets_fingerprint=secrets_fingerprint(endpoint, credentials.lwa_client_id),
    )


def test_with_redis_the_limit_is_shared(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    assert isinstance(ratelimit.rate_limiter_from_settings(), RedisRateLimiter)


def test_without_redis_the_limit_is_per_process_and_the_log_says_so(settings, caplog, monkeypatch):
    settings.REDIS_URL = ""
    monkeypatch.setattr(ratelimit, "_warned_local", False)
    with caplog.at_level(logging.WARNING, logger="amazon1p.spapi.ratelimit"):
        limiter = ratelimit.rate_limiter_from_settings()
    assert isinstance(limiter, LocalRateLimiter)
    assert "not shared between workers" in caplog.text


def test_endpoints_per_connection():
    eu = Endpoint.for_region(Region.EU, EndpointKind.PRODUCTION)
    assert eu.base_url == "https://sellingpartnerapi-eu.amazon.com"
    assert eu.lwa_url == "https://api.amazon.com/auth/o2/token"
    sandbox = Endpoint.for_region(Region.FE, EndpointKind.SANDBOX)
    assert sandbox.base_url == "https://sandbox.sellingpartnerapi-fe.amazon.com"
    custom = Endpoint.for_region(Region.NA, EndpointKind.CUSTOM, "http://127.0.0.1:8765/")
    assert custom == Endpoint("http://127.0.0.1:8765", "http://127.0.0.1:8765/auth/o2/token")


def test_factory_builds_a_client_aimed_at_the_connection(settings):
    client = vendor_client_for(_connection(Endpoint.custom("http://127.0.0.1:9")))
    try:
        assert client._orders.endpoint == "http://127.0.0.1:9"
        assert (
            client._shipments.endpoint == client._transactions.endpoint == client._orders.endpoint
        )
    finally:
        client.close()
