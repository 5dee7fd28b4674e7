"""From a shop's stored Amazon settings to the client's `ApiAccess` (secrets decrypted here
and nowhere else), and which endpoint the stored secrets belong to."""

from collections.abc import Iterable

from amazon1p import crypto
from amazon1p.connection.models import AmazonConnection
from amazon1p.spapi.client import ApiAccess
from amazon1p.spapi.endpoints import Endpoint, EndpointKind, Region, secrets_fingerprint
from amazon1p.spapi.types import Credentials
from core.errors import ShopCtrlError

SECRET_FIELDS = ("lwa_client_secret", "refresh_token")
RETYPE_SECRETS_MESSAGE = (
    "The endpoint, region or LWA client id changed: enter the LWA client secret and the "
    "refresh token again. Stored secrets are only sent where they were saved for."
)


def connection_endpoint(settings: AmazonConnection) -> Endpoint:
    """Where the settings point; ShopCtrlError for a custom endpoint without a usable URL."""
    kind = EndpointKind(settings.endpoint_kind)
    if kind == EndpointKind.CUSTOM and not settings.custom_base_url:
        raise ShopCtrlError("Enter the base URL of the custom endpoint.", field="custom_base_url")
    try:
        return Endpoint.for_region(Region(settings.region), kind, settings.custom_base_url)
    except ValueError as error:
        raise ShopCtrlError(str(error), field="custom_base_url") from None


def endpoint_label(settings: AmazonConnection) -> str:
    """The SP-API base URL the settings point at, for the audit log and messages."""
    try:
        return connection_endpoint(settings).base_url
    except ShopCtrlError:
        return f"{settings.endpoint_kind} (no usable URL)"


def secrets_fingerprint_of(settings: AmazonConnection) -> str:
    """The fingerprint secrets saved with these settings get ("" when they point nowhere)."""
    try:
        return secrets_fingerprint(connection_endpoint(settings), settings.lwa_client_id)
    except ShopCtrlError:
        return ""


def secrets_to_retype(
    stored: AmazonConnection, candidate: AmazonConnection, typed: Iterable[str]
) -> list[str]:
    """The secret fields that must be typed again before `candidate` may use them.

    A stored secret that is not typed again may only go with the region, endpoint and client
    id it was saved for; otherwise both secrets are asked for again (the names of those
    not typed are returned). Empty: nothing stored is carried anywhere new.
    """
    typed = set(typed)
    kept = [
        name for name in SECRET_FIELDS if getattr(stored, f"{name}_encrypted") and name not in typed
    ]
    if not kept:
        return []
    bound = stored.secrets_fingerprint
    if bound and candidate.region == stored.region and bound == secrets_fingerprint_of(candidate):
        return []
    return [name for name in SECRET_FIELDS if name not in typed]


def spapi_connection(settings: AmazonConnection) -> ApiAccess:
    """The client-side connection of a shop; raises ShopCtrlError when it is incomplete.

    The rate-limit key is the refresh token's account as Amazon meters it: the vendor code
    within the region (shops sharing a vendor account share its limit). The connection
    carries the fingerprint its secrets were saved for; the client factory checks it.
    """
    if not settings.has_credentials:
        raise ShopCtrlError("Enter the LWA client id, client secret and refresh token first.")
    endpoint = connection_endpoint(settings)
    return ApiAccess(
        account_key=f"{settings.region}:{settings.vendor_code or settings.shop_id}",
        endpoint=endpoint,
        credentials=Credentials(
            lwa_client_id=settings.lwa_client_id,
            lwa_client_secret=crypto.decrypt(
                settings.lwa_client_secret_encrypted, what="the LWA client secret"
            ),
            refresh_token=crypto.decrypt(
                settings.refresh_token_encrypted, what="the refresh token"
            ),
        ),
        marketplace_id=settings.marketplace_id,
        secrets_fingerprint=settings.secrets_fingerprint,
        token_owner=str(settings.pk or ""),
    )
