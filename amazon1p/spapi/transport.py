"""Every change we make to python-amazon-sp-api, in one place, each with its reason.

The library (`sp_api`) is used for what it does well: the vendor operations' paths and
methods and the request signing headers. What it leaves to its callers, or gets wrong for us,
is patched here, and only here, by subclassing its classes and overriding their methods,
several of them private (`_request`, `_check_response`, `_transport`): a library upgrade is
checked against this module alone.

- `LwaTokenClient.get_auth`: our token store instead of the library's cache (see `lwa`), at
  the connection's LWA URL, with typed errors naming the credential to fix.
- `_transport` (on token and API clients): our httpx client, with one shared TLS context and
  the optional time budget.
- `VendorApi.headers`: the `Host` header of any endpoint, not only `https://` ones.
- `VendorApi._request`: no injected `MarketplaceId…` keys (saleweaver/python-amazon-sp-api#276).
- `VendorApi._check_response`: typed errors for 429, 4xx, 5xx and garbled answers (the
  library returns or raises untyped), and one JSON decoding with orjson.

Only this module imports `sp_api`.
"""

import functools
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from sp_api.api import VendorInvoices, VendorOrders, VendorShipments, VendorTransactionStatus
from sp_api.auth import AccessTokenClient
from sp_api.auth.access_token_response import AccessTokenResponse
from sp_api.base import ApiResponse
from sp_api.base._transport_httpx import HttpxTransport

from amazon1p.spapi.errors import (
    AmazonError,
    AmazonRejectedError,
    AmazonThrottledError,
    AmazonTransientError,
)
from amazon1p.spapi.lwa import TokenStore, access_token_fetch
from amazon1p.spapi.parsing import parse_api_errors
from amazon1p.spapi.types import Credentials

__all__ = ["ApiResponse", "Budget", "VendorApi", "VendorApis", "vendor_apis"]


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client in the process.

    Building one loads the CA bundle (~50 ms); the library builds one per API class and
    token client, which made each VendorClient cost half a second. SSLContext is safe to
    share between threads.
    """
    return httpx.create_ssl_context()


class Budget:
    """A time budget shared by every request of one client (Test connection's few seconds).

    An httpx request hook: each request may use at most what is left for each of its
    phases (connect, write, read, pool), and none starts once the budget is spent.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._ends_at = clock() + seconds

    def __call__(self, request: httpx.Request) -> None:
        left = self._ends_at - self._clock()
        if left <= 0:
            raise httpx.ConnectTimeout(f"gave up after {self.seconds:g} s", request=request)
        phases: dict[str, float | None] = {
            "connect": None,
            "read": None,
            "write": None,
            "pool": None,
        }
        phases.update(request.extensions.get("timeout") or {})
        request.extensions["timeout"] = {
            phase: left if limit is None else min(limit, left) for phase, limit in phases.items()
        }


def _transport(timeout: float, budget: Budget | None) -> Any:
    """The library's transport over our own httpx client (shared TLS context, budget hook)."""
    hooks: Mapping[str, list[Callable[..., Any]]] = (
        {"request": [budget]} if budget is not None else {}
    )
    client = httpx.Client(timeout=timeout, verify=_tls_context(), event_hooks=hooks)
    return HttpxTransport(client=client)


class LwaTokenClient(AccessTokenClient):  # type: ignore[misc]  # sp_api has no types
    """The library's token client, pointed at the connection's LWA URL, sharing one token.

    Subclassed per connection with `store`, `timeout`, `budget` and the URL parts set as
    class attributes, since the library instantiates `auth_token_client_class` itself.
    """

    store: TokenStore
    timeout: float = 30.0
    budget: Budget | None = None
    _transport: Any  # the library's HttpxTransport

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The library's transport has no timeout: ours (and the budget) instead.
        self._transport.close()
        self._transport = _transport(self.timeout, self.budget)

    def get_auth(self) -> Any:
        # The library caches per process, by refresh token, for a fixed 3,200 s, and raises
        # an untyped error: our store (see `lwa`) instead.
        return AccessTokenResponse(access_token=self.store.get(self._fetch))

    def _fetch(self) -> dict[str, Any]:
        def post(url: str, data: Mapping[str, str], headers: Mapping[str, str]) -> httpx.Response:
            response: httpx.Response = self._transport.request(
                "POST", url, data=data, headers=headers
            )
            return response

        return access_token_fetch(
            post, self.scheme + self.host + self.path, self.data, self.headers
        )


def _envelope(response: httpx.Response) -> tuple[Any, bool]:
    # orjson: a page of 100 POs is ~300 KiB, and `json` took a quarter of a re-sync on it.
    try:
        return orjson.loads(response.content), True
    except orjson.JSONDecodeError:  # also raised for bytes that are not UTF-8
        return None, False


# HTTP status (429, or its hundred) → the error a caller sees and how the message says it.
_FAILURES: dict[int, tuple[type[AmazonError], str]] = {
    429: (AmazonThrottledError, "throttled"),
    400: (AmazonRejectedError, "refused"),
    500: (AmazonTransientError, "failed on"),
}


class VendorApi:
    """Fixes shared by our subclasses of the library's three vendor API classes."""

    operation = ""  # set by VendorClient before each call, for error messages
    endpoint: str

    def _configure(self, endpoint: str) -> None:
        self.endpoint = endpoint

    @property
    def headers(self) -> dict[str, str]:
        headers: dict[str, str] = super().headers  # type: ignore[misc]
        # The library sends endpoint[8:], which is wrong for any non-https endpoint.
        headers["host"] = urlsplit(self.endpoint).netloc
        return headers

    def _request(
        self,
        path: str,
        *,
        data: Any = None,
        params: Any = None,
        headers: Any = None,
        add_marketplace: bool = True,
        **kwargs: Any,
    ) -> Any:
        # Vendor APIs take no marketplace; the injected keys break acknowledgements (#276)
        # and are not in the models' parameters.
        return super()._request(  # type: ignore[misc]
            path, data=data, params=params, headers=headers, add_marketplace=False, **kwargs
        )

    def _check_response(self, res: httpx.Response, *args: Any, **kwargs: Any) -> Any:
        # The library turns error answers into untyped exceptions (or none, for a non-JSON
        # page) and decodes the JSON with `json`: typed errors and orjson instead.
        status = res.status_code
        body, is_json = _envelope(res)
        request_id = res.headers.get("x-amzn-RequestId", "")
        errors = parse_api_errors(body.get("errors")) if isinstance(body, dict) else ()
        where = f"{self.operation} (HTTP {status}{', request ' + request_id if request_id else ''})"
        detail = f": {errors[0]}" if errors else ("" if is_json else ": not a JSON answer")
        failure = _FAILURES.get(status // 100 * 100 if status != 429 else 429)
        if failure is not None:
            error_class, verb = failure
            raise error_class(
                f"Amazon {verb} {where}{detail}",
                operation=self.operation,
                status=status,
                errors=errors,
                request_id=request_id,
            )
        if not is_json or not isinstance(body, dict):
            # A truncated or garbled 2xx: nothing to trust, but asking again may work.
            raise AmazonTransientError(
                f"Amazon's answer to {where} was not valid JSON",
                operation=self.operation,
                status=status,
                request_id=request_id,
            )
        if errors:  # a 2xx that still reports errors (the library raises on these too)
            raise AmazonRejectedError(
                f"Amazon reported errors on {where}{detail}",
                operation=self.operation,
                status=status,
                errors=errors,
                request_id=request_id,
            )
        # What the library's parse_response builds, from the JSON we already decoded: a page
        # of 100 POs is ~300 KiB, and decoding it twice was a quarter of the listing time.
        return ApiResponse(**body, headers=res.headers)


class _Orders(VendorApi, VendorOrders):  # type: ignore[misc]  # sp_api has no types
    """The library's VendorOrders with our endpoint, headers and answer handling."""


class _Shipments(VendorApi, VendorShipments):  # type: ignore[misc]
    """The library's VendorShipments with our endpoint, headers and answer handling."""


class _Transactions(VendorApi, VendorTransactionStatus):  # type: ignore[misc]
    """The library's VendorTransactionStatus with our endpoint, headers and answer handling."""


class _Invoices(VendorApi, VendorInvoices):  # type: ignore[misc]
    """The library's VendorInvoices with our endpoint, headers and answer handling."""


@dataclass(frozen=True)
class VendorApis:
    """The library's four vendor API objects of one connection, patched as above."""

    orders: Any  # _Orders
    shipments: Any  # _Shipments
    transactions: Any  # _Transactions
    invoices: Any  # _Invoices

    def all(self) -> tuple[Any, ...]:
        return (self.orders, self.shipments, self.transactions, self.invoices)

    def close(self) -> None:
        for api in self.all():
            api.close()


def vendor_apis(
    *,
    base_url: str,
    lwa_url: str,
    marketplace_id: str,
    credentials: Credentials,
    tokens: TokenStore,
    timeout: float,
    budget: Budget | None,
) -> VendorApis:
    """The library's API objects for one connection, sharing one token store."""
    lwa = urlsplit(lwa_url)
    token_class = type(
        "ConnectionTokenClient",
        (LwaTokenClient,),
        {
            "store": tokens,
            "timeout": timeout,
            "budget": budget,
            "scheme": f"{lwa.scheme}://",
            "host": lwa.netloc,
            "path": lwa.path or "/auth/o2/token",
        },
    )
    library_kwargs = {
        "credentials": {
            "refresh_token": credentials.refresh_token,
            "lwa_app_id": credentials.lwa_client_id,
            "lwa_client_secret": credentials.lwa_client_secret,
        },
        "auth_token_client_class": token_class,
        "timeout": timeout,
        "verify": _tls_context(),
    }
    # The library wants a Marketplaces member; any object with these attributes works.
    marketplace = SimpleNamespace(endpoint=base_url, marketplace_id=marketplace_id, region="")
    apis = VendorApis(
        orders=_Orders(marketplace, **library_kwargs),
        shipments=_Shipments(marketplace, **library_kwargs),
        transactions=_Transactions(marketplace, **library_kwargs),
        invoices=_Invoices(marketplace, **library_kwargs),
    )
    for api in apis.all():
        # The endpoint our `headers` and every request use, whatever the library derived.
        api._configure(base_url)
        if budget is not None:
            api._transport.close()  # the library's, without the budget hook
            api._transport = _transport(timeout, budget)
    return apis
