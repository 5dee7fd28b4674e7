"""The vendor SP-API client: `VendorClient`, the operations ShopCtrl uses, in our own words.

It takes care of what the library leaves to its callers (docs/amazon.md, "The
python-amazon-sp-api library"):

- the endpoint per connection (Amazon's hosts, their sandbox, or the simulator);
- one LWA access token per connection (`lwa`), shared by its API objects;
- the shared rate limit before every call, and bounded retries with exponential backoff and
  full jitter on 429, 5xx, timeouts and garbled answers (the library retries nothing);
- dates as ISO-8601 UTC strings (the library would send `str(datetime)`), windows ≤ 7 days,
  `nextToken` paging; our frozen dataclasses in and out (`parsing`, `serialising`), never
  raw dicts, and typed errors (`errors`).

Where the library itself is patched (Host header, marketplace keys, error answers, the token
cache, the HTTP transport) is `transport`, the only module that imports `sp_api`.

A VendorClient is meant for one thread; the token it shares across its API objects is
thread-safe. Nothing it logs or raises contains a secret.
"""

import functools
import hashlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from amazon1p.spapi.endpoints import Endpoint
from amazon1p.spapi.errors import (
    AmazonAuthError,
    AmazonMappingError,
    AmazonRejectedError,
    AmazonThrottledError,
    AmazonTransientError,
)
from amazon1p.spapi.lwa import SharedTokens, TokenStore
from amazon1p.spapi.parsing import parse_order_status, parse_purchase_order, parse_transaction
from amazon1p.spapi.ratelimit import RateLimiter
from amazon1p.spapi.serialising import (
    format_datetime,
    serialise_acknowledgement,
    serialise_shipment_confirmation,
)
from amazon1p.spapi.transport import ApiResponse, Budget, VendorApi, vendor_apis
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
MAX_PAGES_PER_WINDOW = 10_000  # a safety stop against a server that never ends paging


@dataclass(frozen=True)
class ApiAccess:
    """What the client needs to reach one vendor account: where, with which credentials, and
    the keys its rate limit and access token are kept under (built from a shop's stored
    Amazon settings by `amazon1p.connection`)."""

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
    calls_by_operation: Counter[str] = field(default_factory=Counter)
    # Paging stopped on a nextToken already followed (see `_pages`): what happened, or "".
    repeated_token: str = ""


def read_purchase_order(raw: Any) -> PurchaseOrder | MalformedPurchaseOrder:
    """A PO payload, read; one that cannot be is kept raw with the reason."""
    try:
        return parse_purchase_order(raw)
    except AmazonMappingError as exc:
        return MalformedPurchaseOrder(
            number=PurchaseOrderPage.number_of(raw),
            error=str(exc),
            raw=raw if isinstance(raw, dict) else {"value": raw},
        )


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
        access: ApiAccess,
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
        """`budget_seconds` bounds all requests of this client together (see `transport.Budget`)."""
        self.access = access
        self.stats = ClientStats()
        self._limiter = rate_limiter
        self._retry = retry
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()
        self._tokens = TokenStore(clock, shared_tokens, access.token_key)
        apis = vendor_apis(
            base_url=access.endpoint.base_url,
            lwa_url=access.endpoint.lwa_url,
            marketplace_id=access.marketplace_id,
            credentials=access.credentials,
            tokens=self._tokens,
            timeout=timeout,
            budget=Budget(budget_seconds) if budget_seconds is not None else None,
        )
        self._apis = apis
        self._orders, self._shipments, self._transactions, self._invoices = apis.all()

    # --- plumbing -----------------------------------------------------------------------

    def close(self) -> None:
        self._apis.close()

    def __enter__(self) -> "VendorClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(
        self,
        api: VendorApi,
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
                self.access.account_key, operation
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
        if created_after is not None and changed_after is None:
            prefix, start, end = "created", created_after, created_before or self._now()
        elif changed_after is not None and created_after is None:
            prefix, start, end = "changed", changed_after, changed_before or self._now()
        else:
            raise ValueError("give created_after or changed_after (exactly one)")
        filters: dict[str, Any] = {"limit": limit, "includeDetails": _bool(include_details)}
        optional = {
            "purchaseOrderState": purchase_order_state,
            "orderingVendorCode": ordering_vendor_code,
            "isPOChanged": None if is_po_changed is None else _bool(is_po_changed),
            "poItemState": po_item_state,
            "sortOrder": sort_order,
        }
        filters.update({k: v for k, v in optional.items() if v is not None})
        for window_start, window_end in _windows(start, end):
            params = {
                **filters,
                f"{prefix}After": format_datetime(window_start),
                f"{prefix}Before": format_datetime(window_end),
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
        nextToken (docs/amazon.md, "The sandbox"), so following it would never end. Paging
        stops after the page that repeats a token; `stats.repeated_token` says so, and the
        caller decides what that means (a sandbox's nature, or a fault worth reporting in
        production).
        """
        token: str | None = None
        seen: set[str] = set()
        for pages in range(1, MAX_PAGES_PER_WINDOW + 1):
            page_params = {**params, "nextToken": token} if token else dict(params)
            response = self._call(self._orders, operation, functools.partial(send, **page_params))
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
        receiving_only: bool = False,
    ) -> Iterator[PurchaseOrderStatusPage]:
        """PO statuses (acknowledgement and receiving per line), windowed like the PO list.
        `receiving_only`: each line's receiving alone (see `parse_order_status`)."""
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
        windows: list[dict[str, str]] = [{}]
        bounds: tuple[str, datetime, datetime] | None = None
        if created_after is not None:
            bounds = ("created", created_after, created_before or self._now())
        elif updated_after is not None:
            bounds = ("updated", updated_after, updated_before or self._now())
        if bounds is not None:
            prefix, start, end = bounds
            windows = [
                {
                    f"{prefix}After": format_datetime(a),
                    f"{prefix}Before": format_datetime(b),
                }
                for a, b in _windows(start, end)
            ]
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
                        statuses.append(parse_order_status(raw, receiving_only=receiving_only))
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
            [serialise_acknowledgement(ack) for ack in acknowledgements]
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
            [serialise_shipment_confirmation(asn) for asn in confirmations]
        )

    def submit_shipment_confirmation_bodies(self, bodies: Sequence[Mapping[str, Any]]) -> str:
        """Send ShipmentConfirmation JSON built beforehand (an outbox keeps exactly what it
        sends, e.g. from `serialise_shipment_confirmation`); returns Amazon's transaction
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
    def _transaction_id(response: ApiResponse, operation: str) -> str:
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
            return parse_transaction(response.payload)
        except AmazonMappingError as exc:
            raise AmazonTransientError(
                f"getTransaction answered unreadably: {exc}", operation="getTransaction"
            ) from None
