"""The HTTP server: routing, authentication, rate limits and faults around the operations.

A plain `ThreadingHTTPServer` (one daemon thread per connection, HTTP/1.1 keep-alive). It
ignores the Host header, because python-amazon-sp-api sends `endpoint[8:]` as Host, which is
wrong for `http://` URLs (docs/amazon.md, "The python-amazon-sp-api library").

Order of checks for a vendor call, as at Amazon: route → access token (403) → throttling
(429: the fault switch, then the token bucket) → injected gateway/server errors → the
operation (400/404/2xx) → optional truncation of the body.
"""

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simulator import asn, invoices, lwa, orders_api, transactions
from simulator.config import SimulatorConfig, config_update
from simulator.control import PREFIX, handle_control
from simulator.faults import FaultPlan, html_gateway_page, plan_faults, truncate
from simulator.generator import World
from simulator.ratelimit import RateLimiter, usage_plan
from simulator.requestlog import LoggedRequest, RequestLog, new_entry
from simulator.sandbox import (
    Route,
    load_cases,
    match,
    model_routes,
    request_parameters,
)
from simulator.state import RenderCache, SimulatorState
from simulator.validation import MODELS_DIR, InputError, TokenCodec, load_models
from simulator.wire import (
    Context,
    Request,
    Response,
    error_response,
    json_response,
)

logger = logging.getLogger(__name__)

Handler = Callable[[Context, Request, dict[str, str]], Response]
HANDLERS: dict[str, Handler] = {
    "getPurchaseOrders": orders_api.get_purchase_orders,
    "getPurchaseOrder": orders_api.get_purchase_order,
    "getPurchaseOrdersStatus": orders_api.get_purchase_orders_status,
    "submitAcknowledgement": transactions.submit_acknowledgement,
    "SubmitShipmentConfirmations": asn.submit_shipment_confirmations,
    "getTransaction": transactions.get_transaction,
    "submitInvoices": invoices.submit_invoices,
}
LWA_PATH = "/auth/o2/token"
MAX_BODY = 10 * 1024 * 1024  # bigger bodies get 413, as Amazon's payload limit
# x-amzn-RateLimit-Limit is declared on these statuses only.
_RATE_HEADER_STATUSES = frozenset({200, 202, 400, 404})


class Simulator:
    """The simulator application: options, generated world, state; answers requests."""

    def __init__(self, config: SimulatorConfig, models_dir: Path = MODELS_DIR) -> None:
        self._config = config
        self._config_lock = threading.Lock()
        self.world = World(
            config.seed,
            config.orders_per_day,
            config.vendor_codes,
            config.currency,
            config.lines_per_po,
            weight_price_rate=config.weight_price_rate,
            no_net_cost_rate=config.no_net_cost_rate,
            foreign_currency_rate=config.foreign_currency_rate,
            foreign_currency=config.foreign_currency,
        )
        self.state = SimulatorState()
        self.renders = RenderCache()
        self.limiter = RateLimiter()
        self.log = RequestLog(config.request_log_size)
        self.codec = TokenCodec(config.seed)
        models = load_models(models_dir)
        self.routes: list[Route] = model_routes(models)
        self.sandbox_cases = load_cases(models)

    @property
    def config(self) -> SimulatorConfig:
        with self._config_lock:
            return self._config

    def update_config(self, changes: Mapping[str, Any]) -> SimulatorConfig:
        """Change runtime options (faults, rate limits); ValueError on bad input.

        Also empties the render cache. Its keys already carry the one option rendering reads
        (`malformed_rate`), so this only frees entries the new options may no longer serve.
        """
        with self._config_lock:
            self._config = config_update(self._config, changes)
            config = self._config
        self.renders.clear()
        return config

    def bound(self, port: int) -> None:
        """Record the port actually bound (the config asked for 0: any free port)."""
        with self._config_lock:
            self._config = dataclasses.replace(self._config, port=port)

    def reset(self) -> None:
        """Forget acknowledgements, transactions, shipment confirmations, the POs of
        uploaded offers and rate buckets.

        Also empties the render cache (its entries would still be right: this frees memory).
        """
        self.state.reset()
        self.limiter.reset()
        self.renders.clear()

    def handle(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Response:
        """Answer one HTTP request (any path, any Host)."""
        started = time.monotonic()
        url = urlsplit(target)
        raw_query = parse_qs(url.query, keep_blank_values=True)
        query = {key: values[0] for key, values in raw_query.items()}
        lower = {key.lower(): value for key, value in headers.items()}
        if url.path == PREFIX or url.path.startswith(PREFIX + "/"):
            return handle_control(self, method, url.path, query, body, lower)
        config = self.config

        def make_entry(seq: int) -> LoggedRequest:
            return new_entry(
                seq=seq,
                now=time.time(),
                method=method,
                path=url.path,
                query=raw_query,
                headers=lower,
                body=body,
            )

        entry = self.log.record(make_entry)
        if config.slow_ms:
            time.sleep(config.slow_ms / 1000)
        request = Request(method, url.path, query, lower, body, time.time())
        try:
            response = self._answer(config, entry, request)
        except Exception:  # a bug must still look like Amazon, not a dropped connection
            logger.exception("simulator failed on %s %s", method, target)
            response = error_response(500, "InternalFailure", "We encountered an internal error.")
        response.headers["x-amzn-RequestId"] = entry.request_id = str(uuid.uuid4())
        entry.status = response.status
        entry.duration_ms = round((time.monotonic() - started) * 1000, 1)
        return response

    def _route(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            found = route.pattern.match(path)
            if found and route.method == method:
                return route, found.groupdict()
        return None

    def _answer(self, config: SimulatorConfig, entry: LoggedRequest, request: Request) -> Response:
        if request.path == LWA_PATH:
            entry.operation = "lwaToken"
            if request.method != "POST":
                return lwa.oauth_error(405, "invalid_request", "The token endpoint takes POST.")
            return lwa.token_grant(
                self.state,
                body=request.body,
                content_type=request.headers.get("content-type", ""),
                ttl=config.token_ttl,
                now=request.now,
            )
        routed = self._route(request.method, request.path)
        if routed is None:
            return error_response(404, "ResourceNotFound", "Cannot find resource by the given URI")
        route, path_params = routed
        entry.operation = route.operation
        account, problem = self._account(request)
        if account is None:
            denied = error_response(
                403, "Unauthorized", "Access to requested resource is denied.", problem
            )
            denied.headers["x-amzn-ErrorType"] = "AccessDeniedException"
            return denied
        plan = plan_faults(config, entry.seq)
        response = self._guarded(config, plan, route, path_params, account, request)
        if response.status in _RATE_HEADER_STATUSES:
            limit = usage_plan(route.operation, sandbox=config.sandbox).header
            response.headers["x-amzn-RateLimit-Limit"] = limit
        if plan.truncate_at is not None:
            response.body = truncate(response.body, plan.truncate_at)
        return response

    def _account(self, request: Request) -> tuple[str | None, str]:
        """The account behind the access token, or None and why it is refused."""
        token = request.headers.get("x-amz-access-token", "")
        grant = self.state.token_grant(token) if token else None
        if grant is None:
            return None, "The access token you provided is revoked, malformed or invalid."
        if grant.expires_at <= request.now:
            return None, "The access token you provided has expired."
        return grant.account, ""

    def _guarded(
        self,
        config: SimulatorConfig,
        plan: FaultPlan,
        route: Route,
        path_params: dict[str, str],
        account: str,
        request: Request,
    ) -> Response:
        """Throttling and injected errors, then the operation itself."""
        plan_limit = usage_plan(route.operation, sandbox=config.sandbox)
        if plan.throttle or (
            config.rate_limits and not self.limiter.take(account, route.operation, plan_limit)
        ):
            throttled = error_response(
                429, "QuotaExceeded", "You exceeded your quota for the requested resource."
            )
            throttled.headers["x-amzn-ErrorType"] = "QuotaExceededException"
            return throttled
        if plan.html_status:
            return Response(plan.html_status, html_gateway_page(plan.html_status), "text/html")
        if plan.error_status == 500:
            return error_response(500, "InternalFailure", "We encountered an internal error.")
        if plan.error_status == 503:
            return error_response(
                503, "ServiceUnavailable", "Service temporarily unavailable. Please try again."
            )
        context = Context(config, self.world, self.state, self.codec, plan, self.renders)
        try:
            if config.sandbox:
                return self._sandbox(route, path_params, request)
            handler = HANDLERS.get(route.operation)
            if handler is None:
                return error_response(
                    404,
                    "ResourceNotFound",
                    "Cannot find resource by the given URI",
                    f"{route.operation} is only answered in --sandbox mode.",
                )
            return handler(context, request, path_params)
        except InputError as exc:
            return error_response(exc.status, exc.code, exc.message)

    def _sandbox(self, route: Route, path_params: dict[str, str], request: Request) -> Response:
        body = request.json_body() if request.method in ("POST", "PUT") else None
        parameters = request_parameters(request.query, path_params, body)
        case = match(self.sandbox_cases.get(route.operation, []), parameters)
        if case is None:
            return error_response(400, "InvalidInput", "Could not match input arguments")
        return json_response(case.status, case.response)
