"""A shop connected to the Vendor Central simulator as the settings page would connect it, and
an SP-API client aimed at the simulator."""

from datetime import UTC, datetime, timedelta

import httpx

from amazon1p import crypto
from amazon1p.connection.credentials import secrets_fingerprint_of
from amazon1p.connection.fulfillment_centers import default_fulfillment_centers
from amazon1p.models import AmazonConnection, AmazonStatus, FulfillmentCenter, StatusMapping
from amazon1p.spapi.client import ApiAccess, RetryPolicy, VendorClient
from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.ratelimit import LocalRateLimiter
from amazon1p.spapi.types import Credentials
from shops.models import CreditReason, OrderStatus, PaymentStatus

GOOD = Credentials("amzn1.application-oa2-client.shopctrl", "client-secret", "Atzr|good-token")


def vendor_client_for(sim) -> VendorClient:
    """The real SP-API client aimed at the simulator `sim`, with quick retries."""
    connection = ApiAccess(
        account_key="test", endpoint=Endpoint.custom(sim.base_url), credentials=GOOD
    )
    return VendorClient(
        connection,
        rate_limiter=LocalRateLimiter(),
        retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05),
        timeout=10,
    )


def connect(shop, sim) -> AmazonConnection:
    """Settings as the settings page stores them, pointed at the simulator."""
    connection = AmazonConnection.objects.create(
        shop=shop,
        enabled=True,
        endpoint_kind="custom",
        custom_base_url=sim.base_url,
        vendor_code="VNDR1",
        lwa_client_id=GOOD.lwa_client_id,
        lwa_client_secret_encrypted=crypto.encrypt(GOOD.lwa_client_secret),
        refresh_token_encrypted=crypto.encrypt(GOOD.refresh_token),
        credit_reason_rejected=CreditReason.objects.get(shop=shop, name="Rejected by Amazon"),
        credit_reason_cancelled=CreditReason.objects.get(shop=shop, name="Cancelled by Amazon"),
    )
    connection.secrets_fingerprint = secrets_fingerprint_of(connection)  # saved for the sim
    connection.save(update_fields=["secrets_fingerprint"])
    FulfillmentCenter.objects.bulk_create(
        default_fulfillment_centers(connection, ref_prefix="REF-")
    )
    main = {s.name: s for s in OrderStatus.objects.filter(shop=shop)}
    pay = {s.name: s for s in PaymentStatus.objects.filter(shop=shop)}
    for status, main_name, pay_name in (
        (AmazonStatus.NEW, "New", "Unpaid"),
        (AmazonStatus.ACKNOWLEDGED, "Acknowledged", "Unpaid"),
        (AmazonStatus.PARTIALLY_ACCEPTED, "Acknowledged", "Unpaid"),
        (AmazonStatus.CLOSED, "Completed", "Paid"),
        (AmazonStatus.RECEIVED, "Completed", "Paid"),
        (AmazonStatus.REJECTED, "Cancelled", "Fully credited"),
        (AmazonStatus.CANCELLED, "Cancelled", "Fully credited"),
    ):
        StatusMapping.objects.create(
            connection=connection,
            amazon_status=status,
            main_status=main[main_name],
            payment_status=pay[pay_name],
        )
    return connection


def days_ago(days: float) -> datetime:
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0)


def vendor_calls(sim, since: int = 0) -> list[dict]:
    """The SP-API requests the simulator received after request `since` (LWA left out), as
    its request log shows them: what a run's counters must add up to."""
    entries = httpx.get(f"{sim.base_url}/_simulator/requests", params={"since": since}).json()
    return [entry for entry in entries if entry["operation"] not in (None, "lwaToken")]


def last_seq(sim) -> int:
    entries = httpx.get(f"{sim.base_url}/_simulator/requests").json()
    return max((entry["seq"] for entry in entries), default=0)
