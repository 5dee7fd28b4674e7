"""Build a VendorClient with the deployment's settings (timeouts, retries, shared limiter)."""

from django.conf import settings

from amazon1p.spapi.client import Connection, RetryPolicy, VendorClient
from amazon1p.spapi.ratelimit import rate_limiter_from_settings


def vendor_client_for(connection: Connection) -> VendorClient:
    """A client for one connection; close it (or use `with`) when done."""
    return VendorClient(
        connection,
        rate_limiter=rate_limiter_from_settings(),
        retry=RetryPolicy(max_attempts=settings.SPAPI_MAX_ATTEMPTS),
        timeout=settings.SPAPI_TIMEOUT_SECONDS,
    )
