"""Build a VendorClient with the deployment's settings (timeouts, retries, shared limiter,
access tokens kept in Django's cache)."""

import json
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from amazon1p import crypto
from amazon1p.spapi.client import Connection, RetryPolicy, VendorClient
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


def vendor_client_for(connection: Connection) -> VendorClient:
    """A client for one connection; close it (or use `with`) when done."""
    return VendorClient(
        connection,
        rate_limiter=rate_limiter_from_settings(),
        retry=RetryPolicy(max_attempts=settings.SPAPI_MAX_ATTEMPTS),
        timeout=settings.SPAPI_TIMEOUT_SECONDS,
        shared_tokens=CachedTokens(),
    )
