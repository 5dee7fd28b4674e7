"""The vendor SP-API client: the only module that imports `sp_api` (python-amazon-sp-api).

`VendorClient` offers just the operations ShopCtrl uses, in our own words, and takes care of
what the library leaves to its callers (spapi-vendor.md §7):

- the endpoint per connection (Amazon's hosts, their sandbox, or the simulator), including the
  library's `Host` header that assumes an `https://` prefix;
- one LWA access token per connection, renewed shortly before Amazon's `expires_in`, and
  kept across clients, tasks and processes when given `shared_tokens` (the library's own
  cache is bypassed: per process, keyed by the refresh token alone, for a fixed 3,200 s
  whatever the token's lifetime);
- the shared rate limit before every call, and bounded retries with exponential backoff and
  full jitter on 429, 5xx, timeouts and garbled answers (the library retries nothing);
- request bodies and query strings without the `MarketplaceId…` keys the library injects and
  Amazon rejects (saleweaver/python-amazon-sp-api#276);
- dates as ISO-8601 UTC strings (the library would send `str(datetime)`), windows ≤ 7 days,
  `nextToken` paging; typed errors instead of empty responses for non-JSON error pages.

A VendorClient is meant for one thread; the token it shares across its API objects is
thread-safe. Nothing it logs or raises contains a secret.
"""

import functools
import hashlib
import logging
import random
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from json import JSONDecodeError
from types import SimpleNamespace
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
import orjson
from sp_api.api import VendorInvoices, VendorOrders, VendorShipments, VendorTransactionStatus
from sp_api.auth import AccessTokenClient
from sp_api.auth.access_token_response import AccessTokenResponse
from sp_api.base import ApiResponse
from sp_api.base._transport_httpx import HttpxTransport

from amazon1p.spapi import mapping
from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.errors import (
    AmazonAuthError,
    AmazonError,
    AmazonMappingError,
    AmazonRejectedError,
    AmazonThrottledError,
    AmazonTransientError,
)
from amazon1p.spapi.ratelimit import RateLimiter
from amazon1p.spapi.types import (
    Credentials,
    MalformedPurchaseOrder,
    OrderAcknowledgement,
    PurchaseOrder,
    PurchaseOrderPage,
    PurchaseOrderStatus,
    PurchaseOrderStatusPage,
    ShipmentConfirmation,
    TransactionStatus,
)

logger = logging.getLogger(__name__)

MAX_WINDOW = timedelta(days=7)  # Amazon refuses wider created/changed/updated ranges
TOKEN_REFRESH_MARGIN = 120  # seconds before expiry at which we fetch a new access token
MAX_PAGES_PER_WINDOW = 10_000  # a safety stop against a server that never ends paging


@dataclass(frozen=True)
class Connection:
    """What the client needs of one vendor account's connection settings."""

    account_key: str  # identifies the vendor account for the shared rate limit
    endpoint: Endpoint
    credentials: Credentials
    marketplace_id: str = ""
    # `endpoints.secrets_fingerprint` of what the credentials were saved for; the factory
    # sends them nowhere else.
    secrets_fingerprint: str = ""
    # The stored connection's id: with `shared_tokens`, its access token is kept per id and
    # credentials (see `token_key`). Empty: the token lives as long as the client.
    token_owner: str = ""

    @property
    def token_key(self) -> str:
        """Where the connection's access token is kept: its id and a hash of everything
        the token was issued for, so a changed credential or endpoint never reuses one."""
        if not self.token_owner:
            return ""
        creds = self.credentials
        parts = (
            creds.lwa_client_id,
            creds.lwa_client_secret,
            creds.refresh_token,
            self.endpoint.lwa_url,
            self.endpoint.base_url,
        )
        digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        return f"spapi:lwa:{self.token_owner}:{digest}"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Full jitter (AWS architecture blog): uniform in [0, min(cap, base·2^attempt)]."""
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


@dataclass
class ClientStats:
    """What a sync run reports: calls made, 429s met, retries, time spent pacing."""

    calls: int = 0
    throttled: int = 0
    retries: int = 0
    rate_wait_seconds: float = 0.0
    calls_by_operation: Counter = field(default_factory=Counter)
    # Paging stopped on a nextToken already followed (see `_pages`): what happened, or "".
    repeated_token: str = ""


class SharedTokens(Protocol):
    """Access tokens kept beyond one client: by every task and process of a deployment.

    Lifetimes are durations, so each side keeps its own clock."""

    def get(self, key: str) -> tuple[str, float] | None:
        """(token, seconds it stays valid) or None."""
        ...

    def put(self, key: str, token: str, lifetime: float) -> None: ...

    def forget(self, key: str, token: str) -> None:
        """Drop `token` if it is still the one kept under `key`."""
        ...


class _TokenStore:
    """One LWA access token per connection, shared by its API objects, renewed early.

    With `shared` (and a key), a token also outlives the client: the next task, in this
    process or another, reuses it until shortly before it expires instead of asking Login
    with Amazon again for each client.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        shared: SharedTokens | None = None,
        key: str = "",
    ) -> None:
        self._clock = clock
        self._shared = shared if key else None
        self._key = key
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.fetches = 0

    def get(self, fetch: Callable[[], dict[str, Any]]) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - TOKEN_REFRESH_MARGIN:
                kept = self._shared.get(self._key) if self._shared else None
                if kept is not None and kept[1] > TOKEN_REFRESH_MARGIN:
                    self._token, self._expires_at = kept[0], self._clock() + kept[1]
                else:
                    data = fetch()
                    self.fetches += 1
                    lifetime = float(data.get("expires_in") or 3600)
                    self._token = data["access_token"]
                    self._expires_at = self._clock() + lifetime
                    if self._shared:
                        self._shared.put(self._key, self._token, lifetime)
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            if self._shared and self._token:
                self._shared.forget(self._key, self._token)
            self._token = None


def _lwa_error(response: httpx.Response) -> Exception:
    """Turn a refused LWA token request into an error that says which credential is wrong."""
    try:
        body = response.json()
        code, description = str(body.get("error", "")), str(body.get("error_description", ""))
    except (JSONDecodeError, AttributeError):
        code, description = "", ""
    if response.status_code == 429 or response.status_code >= 500 or not code:
        return AmazonTransientError(
            f"Login with Amazon did not answer properly (HTTP {response.status_code}).",
            operation="lwaToken",
            status=response.status_code,
        )
    if code == "invalid_client":
        return AmazonAuthError(
            "Login with Amazon refused the LWA client id or client secret (invalid_client). "
            "Copy both again from Vendor Central › Integration › API Integration.",
            credential="lwa_client_secret",
            operation="lwaToken",
            status=response.status_code,
        )
    if code in ("invalid_grant", "unauthorized_client"):
        return AmazonAuthError(
            f"Login with Amazon refused the refresh token ({code}): it is wrong, expired or "
            "revoked. Authorise the app again in Vendor Central and paste the new token.",
            credential="refresh_token",
            operation="lwaToken",
            status=response.status_code,
        )
    return AmazonAuthError(
        f"Login with Amazon refused the request ({code}: {description[:200]}).",
        credential="lwa_client_id",
        operation="lwaToken",
        status=response.status_code,
    )


def read_purchase_order(raw: Any) -> PurchaseOrder | MalformedPurchaseOrder:
    """A PO payload, read; one that cannot be is kept raw with the reason."""
    try:
        return mapping.parse_purchase_order(raw)
    except AmazonMappingError as exc:
        return MalformedPurchaseOrder(
            number=PurchaseOrderPage.number_of(raw),
            error=str(exc),
            raw=raw if isinstance(raw, dict) else {"value": raw},
        )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client in the process.

    Building one loads the CA bundle (~50 ms); the library builds one per API class and
    token client, which made each VendorClient cost half a second. SSLContext is safe to
    share between threads.
    """
    return httpx.create_ssl_context()


class _Budget:
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
        phases = {"connect": None, "read": None, "write": None, "pool": None}
        phases.update(request.extensions.get("timeout") or {})
        request.extensions["timeout"] = {
            phase: left if limit is None else min(limit, left) for phase, limit in phases.items()
        }


def _transport(timeout: float, budget: _Budget | None) -> HttpxTransport:
    """The library's transport over our own httpx client (shared TLS context, budget hook)."""
    hooks = {"request": [budget]} if budget is not None else {}
    client = httpx.Client(timeout=timeout, verify=_tls_context(), event_hooks=hooks)
    return HttpxTransport(client=client)


class _LwaTokenClient(AccessTokenClient):
    """The library's token client, pointed at the connection's LWA URL, sharing one token.

    Subclassed per connection with `store`, `timeout`, `budget` and the URL parts set as
    class attributes, since the library instantiates `auth_token_client_class` itself.
    """

    store: _TokenStore
    timeout: float = 30.0
    budget: _Budget | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._transport.close()  # the library's, without our timeout
        self._transport = _transport(self.timeout, self.budget)

    def get_auth(self) -> AccessTokenResponse:
        return AccessTokenResponse(access_token=self.store.get(self._fetch))

    def _fetch(self) -> dict[str, Any]:
        url = self.scheme + self.host + self.path
        try:
            response = self._transport.request("POST", url, data=self.data, headers=self.headers)
        except httpx.TransportError as exc:
            raise AmazonTransientError(
                f"Login with Amazon could not be reached ({type(exc).__name__}).",
                operation="lwaToken",
            ) from None
        if response.status_code != 200:
            raise _lwa_error(response)
        try:
            data = response.json()
            if not data.get("access_token"):
                raise KeyError("access_token")
        except (JSONDecodeError, KeyError, AttributeError):
            raise AmazonTransientError(
                "Login with Amazon answered without an access token.", operation="lwaToken"
            ) from None
        return data


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


class _VendorApiMixin:
    """Fixes shared by our subclasses of the library's three vendor API classes."""

    operation = ""  # set by VendorClient before each call, for error messages

    def _configure(self, endpoint: str) -> None:
        self.endpoint = endpoint

    @property
    def headers(self) -> dict[str, str]:
        headers = super().headers  # type: ignore[misc]
        # The library sends endpoint[8:], which is wrong for any non-https endpoint.
        headers["host"] = urlsplit(self.endpoint).netloc
        return headers

    def _request(
        self, path, *, data=None, params=None, headers=None, add_marketplace=True, **kwargs
    ):
        # Vendor APIs take no marketplace; the injected keys break acknowledgements (#276)
        # and are not in the models' parameters.
        return super()._request(  # type: ignore[misc]
            path, data=data, params=params, headers=headers, add_marketplace=False, **kwargs
        )

    def _check_response(self, res: httpx.Response, *args, **kwargs):
        status = res.status_code
        body, is_json = _envelope(res)
        request_id = res.headers.get("x-amzn-RequestId", "")
        errors = mapping.parse_api_errors(body.get("errors")) if isinstance(body, dict) else ()
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


class _Orders(_VendorApiMixin, VendorOrders):
    """The library's VendorOrders with our endpoint, headers and answer handling."""


class _Shipments(_VendorApiMixin, VendorShipments):
    """The library's VendorShipments with our endpoint, headers and answer handling."""


class _Transactions(_VendorApiMixin, VendorTransactionStatus):
    """The library's VendorTransactionStatus with our endpoint, headers and answer handling."""


class _Invoices(_VendorApiMixin, VendorInvoices):
    """The library's VendorInvoices with our endpoint, headers and answer handling."""


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _windows(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) cut into consecutive windows of at most seven days."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("window bounds must be timezone-aware")
    cursor = start
    while cursor < end:
        upper = min(cursor + MAX_WINDOW, end)
        yield cursor, upper
        cursor = upper


class VendorClient:
    """Vendor Retail Procurement operations for one connection (see the module docstring)."""

    def __init__(
        self,
        connection: Connection,
        *,
        rate_limiter: RateLimiter,
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rng: random.Random | None = None,
        budget_seconds: float | None = None,
        shared_tokens: SharedTokens | None = None,
    ) -> None:
        """`budget_seconds` bounds all requests of this client together (see `_Budget`)."""
        self.connection = connection
        self.stats = ClientStats()
        self._limiter = rate_limiter
        self._retry = retry
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()
        self._tokens = _TokenStore(clock, shared_tokens, connection.token_key)
        budget = _Budget(budget_seconds) if budget_seconds is not None else None
        lwa = urlsplit(connection.endpoint.lwa_url)
        token_class = type(
            "ConnectionTokenClient",
            (_LwaTokenClient,),
            {
                "store": self._tokens,
                "timeout": timeout,
                "budget": budget,
                "scheme": f"{lwa.scheme}://",
                "host": lwa.netloc,
                "path": lwa.path or "/auth/o2/token",
            },
        )
        creds = connection.credentials
        library_kwargs = {
            "credentials": {
                "refresh_token": creds.refresh_token,
                "lwa_app_id": creds.lwa_client_id,
                "lwa_client_secret": creds.lwa_client_secret,
            },
            "auth_token_client_class": token_class,
            "timeout": timeout,
            "verify": _tls_context(),
        }
        # The library wants a Marketplaces member; any object with these attributes works.
        marketplace = SimpleNamespace(
            endpoint=connection.endpoint.base_url,
            marketplace_id=connection.marketplace_id,
            region="",
        )
        self._orders = _Orders(marketplace, **library_kwargs)
        self._shipments = _Shipments(marketplace, **library_kwargs)
        self._transactions = _Transactions(marketplace, **library_kwargs)
        self._invoices = _Invoices(marketplace, **library_kwargs)
        for api in (self._orders, self._shipments, self._transactions, self._invoices):
            api._configure(connection.endpoint.base_url)
            if budget is not None:
                api._transport.close()  # the library's, without the budget hook
                api._transport = _transport(timeout, budget)

    # --- plumbing -----------------------------------------------------------------------

    def close(self) -> None:
        for api in (self._orders, self._shipments, self._transactions, self._invoices):
            api.close()

    def __enter__(self) -> "VendorClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @property
    def token_fetches(self) -> int:
        return self._tokens.fetches

    def _call(
        self,
        api: _VendorApiMixin,
        operation: str,
        send: Callable[[], Any],
        *,
        idempotent: bool = True,
    ) -> Any:
        """Pace, send, classify, and retry what is worth retrying, within the policy's bounds.

        A POST is retried only when Amazon surely processed nothing (429, or no connection):
        after a timeout or a 5xx it may have been accepted, so the caller's outbox decides.
        """
        attempt = 0
        token_renewed = False
        while True:
            self.stats.rate_wait_seconds += self._limiter.acquire(
                self.connection.account_key, operation
            )
            self.stats.calls += 1
            self.stats.calls_by_operation[operation] += 1
            api.operation = operation
            try:
                return send()
            except AmazonThrottledError as exc:
                self.stats.throttled += 1
                error: AmazonTransientError = exc
            except AmazonAuthError:
                raise
            except AmazonRejectedError as exc:
                # An access token Amazon no longer honours (e.g. revoked early): renew once.
                if exc.status == 403 and not token_renewed:
                    token_renewed = True
                    self._tokens.invalidate()
                    continue
                raise
            except AmazonTransientError as exc:
                if not idempotent and exc.operation != "lwaToken":
                    raise
                error = exc
            except httpx.ConnectError as exc:
                error = AmazonTransientError(
                    f"Amazon could not be reached for {operation} ({type(exc).__name__}).",
                    operation=operation,
                )
            except httpx.TransportError as exc:
                error = AmazonTransientError(
                    f"{operation} failed in transit ({type(exc).__name__}).", operation=operation
                )
                if not idempotent:
                    raise error from None
            attempt += 1
            if attempt >= self._retry.max_attempts:
                raise AmazonTransientError(
                    f"{error.message} — gave up after {attempt} attempts.",
                    operation=operation,
                    status=error.status,
                    errors=error.errors,
                    request_id=error.request_id,
                ) from None
            self.stats.retries += 1
            delay = self._retry.delay(attempt, self._rng)
            logger.info(
                "SP-API %s: %s; retry %d in %.2fs", operation, error.message, attempt, delay
            )
            self._sleep(delay)

    # --- purchase orders ------------------------------------------------------------------

    def list_purchase_orders(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        changed_after: datetime | None = None,
        changed_before: datetime | None = None,
        include_details: bool = True,
        purchase_order_state: str | None = None,
        ordering_vendor_code: str | None = None,
        is_po_changed: bool | None = None,
        po_item_state: str | None = None,
        sort_order: str | None = None,
        limit: int = 100,
    ) -> Iterator[PurchaseOrderPage]:
        """Every PO created (or changed) in [after, before), a page at a time.

        The range is cut into windows of ≤ 7 days, each paged with nextToken; `before`
        defaults to now. Each page carries the payloads and reads them when asked: the POs it
        could read and, kept raw, those it could not. Calls: one per page; a window with
        nothing in it still costs one.
        """
        if (created_after is None) == (changed_after is None):
            raise ValueError("give created_after or changed_after (exactly one)")
        by_created = created_after is not None
        start = created_after if by_created else changed_after
        end = (created_before if by_created else changed_before) or self._now()
        prefix = "created" if by_created else "changed"
        filters: dict[str, Any] = {"limit": limit, "includeDetails": _bool(include_details)}
        optional = {
            "purchaseOrderState": purchase_order_state,
            "orderingVendorCode": ordering_vendor_code,
            "isPOChanged": None if is_po_changed is None else _bool(is_po_changed),
            "poItemState": po_item_state,
            "sortOrder": sort_order,
        }
        filters.update({k: v for k, v in optional.items() if v is not None})
        for window_start, window_end in _windows(start, end):  # type: ignore[arg-type]
            params = {
                **filters,
                f"{prefix}After": mapping.format_datetime(window_start),
                f"{prefix}Before": mapping.format_datetime(window_end),
            }
            for payload, token in self._pages(
                "getPurchaseOrders", params, self._orders.get_purchase_orders
            ):
                yield PurchaseOrderPage(
                    window_start=window_start,
                    window_end=window_end,
                    payloads=tuple(payload.get("orders") or ()),
                    read=read_purchase_order,
                    next_token=token,
                )

    def _pages(
        self, operation: str, params: dict[str, Any], send: Callable[..., Any]
    ) -> Iterator[tuple[dict[str, Any], str | None]]:
        """Follow nextToken to the end of one query; stop on a token already followed.

        Amazon's static sandbox answers every page with the same fixed examples and the same
        nextToken (spapi-vendor.md §4), so following it would never end. Paging stops after
        the page that repeats a token; `stats.repeated_token` says so, and the caller decides
        what that means (a sandbox's nature, or a fault worth reporting in production).
        """
        token: str | None = None
        seen: set[str] = set()
        for pages in range(1, MAX_PAGES_PER_WINDOW + 1):
            page_params = {**params, "nextToken": token} if token else dict(params)
            response = self._call(self._orders, operation, lambda p=page_params: send(**p))
            payload = response.payload if isinstance(response.payload, dict) else {}
            token = (payload.get("pagination") or {}).get("nextToken") or None
            yield payload, token
            if token is None:
                return
            if token in seen:
                logger.warning("SP-API %s repeated nextToken %s; paging stopped", operation, token)
                if not self.stats.repeated_token:
                    self.stats.repeated_token = (
                        f"{operation} answered page {pages} with the nextToken of an "
                        "earlier page; paging stopped there"
                    )
                return
            seen.add(token)
        raise AmazonTransientError(
            f"{operation}: more than {MAX_PAGES_PER_WINDOW} pages.", operation=operation
        )

    def get_purchase_order(self, number: str) -> PurchaseOrder | MalformedPurchaseOrder:
        """One PO with all details (a PO Amazon does not know raises AmazonRejectedError)."""
        response = self._call(
            self._orders, "getPurchaseOrder", lambda: self._orders.get_purchase_order(number)
        )
        return read_purchase_order(response.payload)

    def list_purchase_order_statuses(
        self,
        *,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        updated_after: datetime | None = None,
        updated_before: datetime | None = None,
        purchase_order_number: str | None = None,
        purchase_order_status: str | None = None,
        item_confirmation_status: str | None = None,
        item_receive_status: str | None = None,
        ordering_vendor_code: str | None = None,
        ship_to_party_id: str | None = None,
        limit: int = 100,
    ) -> Iterator[PurchaseOrderStatusPage]:
        """PO statuses (acknowledgement and receiving per line), windowed like the PO list."""
        filters: dict[str, Any] = {"limit": limit}
        optional = {
            "purchaseOrderNumber": purchase_order_number,
            "purchaseOrderStatus": purchase_order_status,
            "itemConfirmationStatus": item_confirmation_status,
            "itemReceiveStatus": item_receive_status,
            "orderingVendorCode": ordering_vendor_code,
            "shipToPartyId": ship_to_party_id,
        }
        filters.update({k: v for k, v in optional.items() if v is not None})
        if created_after is None and updated_after is None:
            windows: list[dict[str, str]] = [{}]
        else:
            prefix = "created" if created_after is not None else "updated"
            start = created_after or updated_after
            end = (created_before if created_after is not None else updated_before) or self._now()
            windows = [
                {
                    f"{prefix}After": mapping.format_datetime(a),
                    f"{prefix}Before": mapping.format_datetime(b),
                }
                for a, b in _windows(start, end)
            ]  # type: ignore[arg-type]
        for window in windows:
            for payload, token in self._pages(
                "getPurchaseOrdersStatus",
                {**filters, **window},
                self._orders.get_purchase_orders_status,
            ):
                statuses: list[PurchaseOrderStatus] = []
                unreadable: list[tuple[str, str]] = []
                for raw in payload.get("ordersStatus") or ():
                    try:
                        statuses.append(mapping.parse_order_status(raw))
                    except AmazonMappingError as exc:
                        logger.warning("An unreadable PO status: %s", exc)
                        number = raw.get("purchaseOrderNumber") if isinstance(raw, dict) else ""
                        unreadable.append((number if isinstance(number, str) else "", str(exc)))
                yield PurchaseOrderStatusPage(
                    statuses=tuple(statuses), next_token=token, unreadable=tuple(unreadable)
                )

    # --- submissions and transactions -----------------------------------------------------

    def submit_acknowledgements(self, acknowledgements: Sequence[OrderAcknowledgement]) -> str:
        """Send acknowledgements; returns Amazon's transaction id (poll `get_transaction`).

        Not retried after a timeout or 5xx: Amazon may have taken it (see `_call`).
        """
        return self.submit_acknowledgement_bodies(
            [mapping.acknowledgement_json(ack) for ack in acknowledgements]
        )

    def submit_acknowledgement_bodies(self, bodies: Sequence[Mapping[str, Any]]) -> str:
        """`submit_acknowledgements` for OrderAcknowledgement JSON built beforehand (an outbox
        keeps exactly what it sends). Same retry rule."""
        body = [dict(item) for item in bodies]
        response = self._call(
            self._orders,
            "submitAcknowledgement",
            lambda: self._orders.submit_acknowledgement(acknowledgements=body),
            idempotent=False,
        )
        return self._transaction_id(response, "submitAcknowledgement")

    def submit_shipment_confirmations(self, confirmations: Sequence[ShipmentConfirmation]) -> str:
        """Send ASNs; returns the transaction id. Same retry rule as acknowledgements."""
        return self.submit_shipment_confirmation_bodies(
            [mapping.shipment_confirmation_json(asn) for asn in confirmations]
        )

    def submit_shipment_confirmation_bodies(self, bodies: Sequence[Mapping[str, Any]]) -> str:
        """Send ShipmentConfirmation JSON built beforehand (an outbox keeps exactly what it
        sends, e.g. from `mapping.shipment_confirmation_json`); returns Amazon's transaction
        id, whose outcome `get_transaction` reports.

        Side effect: one SubmitShipmentConfirmations call. Not idempotent: retried only when
        Amazon surely took nothing (429, no connection), never after a timeout or 5xx — the
        caller's outbox row, keyed on the shipmentIdentifier, decides whether to send again.
        Raises AmazonRejectedError for a body Amazon refuses (400: schema), and
        AmazonTransientError otherwise.
        """
        body = [dict(item) for item in bodies]
        if not body:
            raise ValueError("give at least one shipment confirmation")
        response = self._call(
            self._shipments,
            "SubmitShipmentConfirmations",
            lambda: self._shipments.submit_shipment_confirmations(shipmentConfirmations=body),
            idempotent=False,
        )
        return self._transaction_id(response, "SubmitShipmentConfirmations")

    def submit_invoice_bodies(self, bodies: Sequence[Mapping[str, Any]]) -> str:
        """Send Invoice JSON built beforehand (`amazon1p.spapi.invoices.invoice_json`: an
        outbox keeps exactly what it sends); returns Amazon's transaction id, whose outcome
        `get_transaction` reports.

        Side effect: one submitInvoices call. Not idempotent: retried only when Amazon surely
        took nothing (429, no connection), never after a timeout or 5xx — the caller's outbox
        row, keyed on the invoice number, decides whether to send again. Raises
        AmazonRejectedError for a body Amazon refuses (400: schema), and AmazonTransientError
        otherwise.
        """
        body = [dict(item) for item in bodies]
        if not body:
            raise ValueError("give at least one invoice")
        response = self._call(
            self._invoices,
            "submitInvoices",
            lambda: self._invoices.submit_invoices({"invoices": body}),
            idempotent=False,
        )
        return self._transaction_id(response, "submitInvoices")

    @staticmethod
    def _transaction_id(response: Any, operation: str) -> str:
        payload = response.payload if isinstance(response.payload, dict) else {}
        transaction_id = payload.get("transactionId")
        if not isinstance(transaction_id, str) or not transaction_id:
            raise AmazonTransientError(
                f"{operation} was accepted without a transaction id.", operation=operation
            )
        return transaction_id

    def get_transaction(self, transaction_id: str) -> TransactionStatus:
        """Where Amazon is with an acknowledgement or ASN: Processing, Success or Failure."""
        response = self._call(
            self._transactions,
            "getTransaction",
            lambda: self._transactions.get_transaction(transaction_id),
        )
        try:
            return mapping.parse_transaction(response.payload)
        except AmazonMappingError as exc:
            raise AmazonTransientError(
                f"getTransaction answered unreadably: {exc}", operation="getTransaction"
            ) from None
