"""From a shop's stored Amazon settings to the client's `Connection` (secrets decrypted here
and nowhere else)."""

from amazon1p import crypto
from amazon1p.models import AmazonConnection
from amazon1p.spapi.client import Connection
from amazon1p.spapi.endpoints import Endpoint, EndpointKind, Region
from amazon1p.spapi.types import Credentials
from shopctrl.errors import ShopCtrlError


def spapi_connection(settings: AmazonConnection) -> Connection:
    """The client-side connection of a shop; raises ShopCtrlError when it is incomplete.

    The rate-limit key is the refresh token's account as Amazon meters it: the vendor code
    within the region (shops sharing a vendor account share its limit).
    """
    if not settings.has_credentials:
        raise ShopCtrlError("Enter the LWA client id, client secret and refresh token first.")
    kind = EndpointKind(settings.endpoint_kind)
    if kind == EndpointKind.CUSTOM and not settings.custom_base_url:
        raise ShopCtrlError("Enter the base URL of the custom endpoint.", field="custom_base_url")
    endpoint = Endpoint.for_region(Region(settings.region), kind, settings.custom_base_url)
    return Connection(
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
        token_owner=str(settings.pk or ""),
    )
