"""Build a VendorClient with the deployment's settings (timeouts, retries, shared limiter,
access tokens kept in Django's cache), after checking where the connection would send its
credentials."""

import json
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from amazon1p import crypto
from amazon1p.spapi.client import ApiAccess, RetryPolicy, VendorClient
from amazon1p.spapi.endpoints import secrets_fingerprint
from amazon1p.spapi.errors import AmazonEndpointRefusedError
from amazon1p.spapi.ratelimit import rate_limiter_from_settings

logger = logging.getLogger(__name__)


class CachedTokens:
    """LWA access tokens in Django's cache (Redis in production, so every worker and web
    process shares them; per process in the demo), encrypted with the secrets' keys: an
    access token is a credential for an hour. The entry expires with the token; a key no
    configured key can read any more is treated as absent. A cache that does not answer
    costs a token request, never the call: it is logged, and the client asks LWA."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def get(self, key: str) -> tuple[str, float] | None:
        try:
            stored = cache.get(key)
        except Exception as exc:  # the cache backend's own errors (Redis down, ...)
            logger.warning("Access token cache unavailable (%s)", type(exc).__name__)
            return None
        if not stored:
            return None
        try:
            kept = json.loads(crypto.decrypt(stored, what="a cached access token"))
            return str(kept["token"]), float(kept["expires_at"]) - self._clock()
        except (crypto.SecretKeyError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, token: str, lifetime: float) -> None:
        kept = json.dumps({"token": token, "expires_at": self._clock() + lifetime})
        try:
            cache.set(key, crypto.encrypt(kept), timeout=max(1, int(lifetime)))
        except Exception as exc:
            logger.warning("Access token not cached (%s)", type(exc).__name__)

    def forget(self, key: str, token: str) -> None:
        kept = self.get(key)
        if kept is not None and kept[0] == token:
            try:
                cache.delete(key)
            except Exception as exc:
                logger.warning("Access token not dropped from the cache (%s)", type(exc).__name__)


def endpoint_check(access: ApiAccess) -> None:
    """Raise AmazonEndpointRefusedError unless the connection may send its secrets where it
    points: Amazon's own hosts (or a custom URL where SPAPI_ALLOW_CUSTOM_ENDPOINTS is on),
    and only the endpoint and client id the secrets were saved for."""
    endpoint = access.endpoint
    if not endpoint.is_amazon and not settings.SPAPI_ALLOW_CUSTOM_ENDPOINTS:
        raise AmazonEndpointRefusedError(
            f"This connection points at {endpoint.base_url}, which is not an Amazon SP-API "
            "host, and custom endpoint URLs are switched off in this deployment "
            "(SPAPI_ALLOW_CUSTOM_ENDPOINTS). Nothing was sent. Choose Production or Sandbox "
            "in the Amazon 1P settings and enter the client secret and refresh token again.",
            operation="connect",
        )
    expected = secrets_fingerprint(endpoint, access.credentials.lwa_client_id)
    if access.secrets_fingerprint != expected:
        raise AmazonEndpointRefusedError(
            "The stored LWA client secret and refresh token were saved for another endpoint "
            f"or client id than this connection now uses ({endpoint.base_url}). Nothing was "
            "sent. Enter the client secret and refresh token again in the Amazon 1P settings.",
            operation="connect",
        )


def vendor_client_for(access: ApiAccess, *, budget_seconds: float | None = None) -> VendorClient:
    """A client for one connection; close it (or use `with`) when done.

    Checks the endpoint first (`endpoint_check`), so a refused connection never sends a
    request, not even the LWA token request. `budget_seconds` makes a client for a one-off
    check (Test connection): no retries, and all its requests together within that time.
    """
    endpoint_check(access)
    if budget_seconds is not None:
        return VendorClient(
            access,
            rate_limiter=rate_limiter_from_settings(),
            retry=RetryPolicy(max_attempts=1),
            timeout=min(settings.SPAPI_TIMEOUT_SECONDS, budget_seconds),
            budget_seconds=budget_seconds,
        )
    return VendorClient(
        access,
        rate_limiter=rate_limiter_from_settings(),
        retry=RetryPolicy(max_attempts=settings.SPAPI_MAX_ATTEMPTS),
        timeout=settings.SPAPI_TIMEOUT_SECONDS,
        shared_tokens=CachedTokens(),
    )
