"""Where a connection sends its calls: Amazon's regional hosts, their sandbox twins, or a
custom base URL (the Vendor Central simulator). Nothing else branches on "test mode".

Custom base URLs exist only where the deployment allows them (SPAPI_ALLOW_CUSTOM_ENDPOINTS);
`Endpoint.is_amazon` tells Amazon's own hosts apart, and `secrets_fingerprint` names the
endpoint and client id a pair of stored secrets was saved for.
"""

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"
LWA_TOKEN_PATH = "/auth/o2/token"


class Region(StrEnum):
    NA = "NA"
    EU = "EU"
    FE = "FE"


PRODUCTION_HOSTS = {
    Region.NA: "https://sellingpartnerapi-na.amazon.com",
    Region.EU: "https://sellingpartnerapi-eu.amazon.com",
    Region.FE: "https://sellingpartnerapi-fe.amazon.com",
}
SANDBOX_HOSTS = {
    region: host.replace("https://", "https://sandbox.")
    for region, host in PRODUCTION_HOSTS.items()
}

# Marketplace ids per region (Amazon's "Marketplace IDs" page). Vendor APIs take no
# marketplace parameter; the marketplace only has to agree with the region.
MARKETPLACES: dict[Region, dict[str, str]] = {
    Region.NA: {
        "US": "ATVPDKIKX0DER",
        "CA": "A2EUQ1WTGCTBG2",
        "MX": "A1AM78C64UM0Y8",
        "BR": "A2Q3Y263D00KWC",
    },
    Region.EU: {
        "UK": "A1F83G8C2ARO7P",
        "DE": "A1PA6795UKMFR9",
        "FR": "A13V1IB3VIYZZH",
        "IT": "APJ6JRA9NG5V4",
        "ES": "A1RKKUPIHCS9HS",
        "NL": "A1805IZSGTT6HS",
        "SE": "A2NODRKZP88ZB9",
        "PL": "A1C3SOZRARQ6R3",
        "BE": "AMEN7PMS3EDWL",
        "TR": "A33AVAJ2PDY3EV",
        "IE": "A28R8C7NBKEWEA",
        "ZA": "AE08WJ6YKNBMC",
        "EG": "ARBP9OOSHTCHU",
        "SA": "A17E79C6D8DWNP",
        "AE": "A2VIGQ35RCS4UG",
        "IN": "A21TJRUUN4KGV",
    },
    Region.FE: {"JP": "A1VC38T7YXB528", "AU": "A39IBJ37TRP1C6", "SG": "A19VAU5U5O7RUS"},
}


class EndpointKind(StrEnum):
    PRODUCTION = "production"
    SANDBOX = "sandbox"
    CUSTOM = "custom"


@dataclass(frozen=True)
class Endpoint:
    """The SP-API base URL and the LWA token URL of one connection."""

    base_url: str
    lwa_url: str

    @classmethod
    def for_region(cls, region: Region, kind: EndpointKind, custom_url: str = "") -> "Endpoint":
        if kind == EndpointKind.PRODUCTION:
            return cls(PRODUCTION_HOSTS[region], LWA_TOKEN_URL)
        if kind == EndpointKind.SANDBOX:
            # Amazon's sandbox still takes real LWA tokens from api.amazon.com.
            return cls(SANDBOX_HOSTS[region], LWA_TOKEN_URL)
        return cls.custom(custom_url)

    @classmethod
    def custom(cls, base_url: str) -> "Endpoint":
        """A simulator (or proxy) that serves both the vendor APIs and the LWA endpoint."""
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"Not an http(s) base URL: {base_url!r}")
        base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        return cls(base, base + LWA_TOKEN_PATH)

    @property
    def is_amazon(self) -> bool:
        """Both URLs are Amazon's own: a regional (or sandbox) SP-API host and LWA."""
        return self.lwa_url == LWA_TOKEN_URL and self.base_url in AMAZON_HOSTS


AMAZON_HOSTS = frozenset(PRODUCTION_HOSTS.values()) | frozenset(SANDBOX_HOSTS.values())


def secrets_fingerprint(endpoint: Endpoint, lwa_client_id: str) -> str:
    """What a client secret and refresh token were saved for: both URLs and the client id.

    Stored beside the secrets; the client factory refuses to send them anywhere whose
    fingerprint differs. Not a secret itself (a plain SHA-256 of public values).
    """
    text = "\n".join((endpoint.base_url, endpoint.lwa_url, lwa_client_id))
    return hashlib.sha256(text.encode()).hexdigest()
