"""The simulator's options: one frozen dataclass, validated on construction.

The data options (seed, density, vendor codes, currency, sandbox) fix the generated world and
are set at start-up. The fault and rate-limit options may be changed at runtime through
`POST /_simulator/faults`; the server then swaps in a new `SimulatorConfig` built with
`config_update`.
"""

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Options that `POST /_simulator/faults` may change while the server runs.
RUNTIME_FIELDS = (
    "rate_limits",
    "throttle_rate",
    "error_rate",
    "html_error_rate",
    "slow_ms",
    "short_pages",
    "truncate_rate",
    "malformed_rate",
    "transaction_delay",
    "token_ttl",
    "receive_delay",
    "shortage_rate",
)

_RATE_FIELDS = (
    "throttle_rate",
    "error_rate",
    "html_error_rate",
    "truncate_rate",
    "malformed_rate",
    "weight_price_rate",
    "no_net_cost_rate",
    "foreign_currency_rate",
    "shortage_rate",
)
_VENDOR_CODE = re.compile(r"^[A-Z0-9]{2,10}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class SimulatorConfig:
    """Every option of the Vendor Central simulator (see `vendor_simulator --help`).

    Attributes:
        host, port: where to listen; port 0 picks a free port (read it from `base_url`).
        seed: fixes the generated purchase orders and the fault sequence.
        rate_limits: enforce Amazon's token buckets per (account, operation).
        orders_per_day: purchase-order density of the generated schedule.
        lines_per_po: give every PO this many lines (benchmarks with a stated workload);
            None keeps the realistic mix, which depends on the PO's kind (about 6 on average).
        vendor_codes: the vendor codes (sellingParty.partyId) POs are spread over.
        currency: ISO-4217 code of netCost/listPrice.
        weight_price_rate: fraction of lines priced per weight unit (Money.unitOfMeasure
            POUNDS, OUNCES, GRAMS or KILOGRAMS), besides the products always sold by weight.
        no_net_cost_rate: fraction of lines sent without netCost (listPrice only), as in
            Amazon's own examples.
        foreign_currency_rate: fraction of POs priced in `foreign_currency`, not `currency`.
        foreign_currency: ISO-4217 code of those POs.
        throttle_rate: fraction of vendor calls answered 429 whatever the bucket holds.
        error_rate: fraction answered 500/503 with Amazon's JSON error envelope.
        html_error_rate: fraction answered 502/503 with an HTML gateway page.
        slow_ms: delay added to every response, in milliseconds.
        short_pages: list pages hold fewer POs than `limit` yet still carry a nextToken.
        truncate_rate: fraction of vendor responses whose body is cut mid-JSON.
        malformed_rate: fraction of POs (fixed per PO number) served malformed.
        transaction_delay: seconds a submitted transaction stays Processing.
        token_ttl: lifetime of LWA access tokens, in seconds.
        sandbox: answer like Amazon's static sandbox (the cases recorded in the models).
        request_log_size: how many requests `/_simulator/requests` keeps.
        receive_delay: seconds after an ASN's transaction succeeds until the FC receives
            its shipment (see `receiving.py`).
        shortage_rate: fraction of received PO lines (fixed per shipment and line) that
            arrive one case short.
    """

    host: str = "127.0.0.1"
    port: int = 0
    seed: int = 1
    rate_limits: bool = True
    orders_per_day: int = 40
    lines_per_po: int | None = None
    vendor_codes: tuple[str, ...] = ("VNDR1",)
    currency: str = "EUR"
    weight_price_rate: float = 0.01
    no_net_cost_rate: float = 0.005
    foreign_currency_rate: float = 0.005
    foreign_currency: str = "INR"
    throttle_rate: float = 0.0
    error_rate: float = 0.0
    html_error_rate: float = 0.0
    slow_ms: int = 0
    short_pages: bool = False
    truncate_rate: float = 0.0
    malformed_rate: float = 0.0
    transaction_delay: float = 3.0
    token_ttl: int = 3600
    sandbox: bool = False
    request_log_size: int = 10_000
    receive_delay: float = 120.0
    shortage_rate: float = 0.05

    def __post_init__(self) -> None:
        for name in _RATE_FIELDS:
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be between 0 and 65535, not {self.port!r}")
        if not 1 <= self.orders_per_day <= 100_000:
            raise ValueError("orders_per_day must be between 1 and 100000")
        if self.lines_per_po is not None and not 1 <= self.lines_per_po <= 50:
            raise ValueError("lines_per_po must be between 1 and 50")
        if not self.vendor_codes or len(set(self.vendor_codes)) != len(self.vendor_codes):
            raise ValueError("vendor_codes must be a non-empty list without repeats")
        for code in self.vendor_codes:
            if not _VENDOR_CODE.match(code):
                raise ValueError(f"vendor code {code!r} is not 2-10 upper-case letters/digits")
        if not _CURRENCY.match(self.currency):
            raise ValueError(f"currency {self.currency!r} is not an ISO-4217 code")
        if not _CURRENCY.match(self.foreign_currency) or self.foreign_currency == self.currency:
            raise ValueError(
                f"foreign currency {self.foreign_currency!r} must be an ISO-4217 code other "
                f"than {self.currency}"
            )
        if self.slow_ms < 0 or self.slow_ms > 600_000:
            raise ValueError("slow_ms must be between 0 and 600000")
        if self.transaction_delay < 0:
            raise ValueError("transaction_delay must not be negative")
        if self.receive_delay < 0:
            raise ValueError("receive_delay must not be negative")
        if self.token_ttl < 1:
            raise ValueError("token_ttl must be at least 1 second")
        if self.request_log_size < 1:
            raise ValueError("request_log_size must be at least 1")


def config_to_json(config: SimulatorConfig) -> dict[str, Any]:
    """The options as a JSON-ready dict (what `GET /_simulator/config` answers)."""
    data = dataclasses.asdict(config)
    data["vendor_codes"] = list(config.vendor_codes)
    data["runtime_fields"] = list(RUNTIME_FIELDS)
    return data


def config_update(config: SimulatorConfig, changes: Mapping[str, Any]) -> SimulatorConfig:
    """A copy of `config` with runtime options changed; raises ValueError on bad input.

    Only `RUNTIME_FIELDS` may change: the seed, density and vendor codes define the generated
    purchase orders, and changing them under a running importer would make POs vanish.
    """
    unknown = sorted(set(changes) - set(RUNTIME_FIELDS))
    if unknown:
        raise ValueError(f"not changeable at runtime: {', '.join(unknown)}")
    coerced: dict[str, Any] = {}
    for name, value in changes.items():
        current = getattr(config, name)
        if isinstance(current, bool):
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false")
            coerced[name] = value
        elif isinstance(current, int):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            coerced[name] = int(value)
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
            coerced[name] = float(value)
    return dataclasses.replace(config, **coerced)
