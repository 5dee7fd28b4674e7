"""Amazon's usage plans: a token bucket per (account, operation).

Each bucket starts full at `burst`, refills at `rate` tokens per second and each call takes
one; an empty bucket means HTTP 429 QuotaExceeded and the call is not processed.
https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class UsagePlan:
    rate: float  # requests per second
    burst: int

    @property
    def header(self) -> str:
        """The `x-amzn-RateLimit-Limit` value, e.g. `10.0`."""
        return f"{self.rate:.1f}"


# Documented defaults (vendor models and usage-plan docs; docs/amazon.md, "Rate limits").
USAGE_PLANS: dict[str, UsagePlan] = {
    "getPurchaseOrders": UsagePlan(10, 10),
    "getPurchaseOrder": UsagePlan(10, 10),
    "submitAcknowledgement": UsagePlan(10, 10),
    "getPurchaseOrdersStatus": UsagePlan(10, 10),
    "SubmitShipmentConfirmations": UsagePlan(10, 10),
    "SubmitShipments": UsagePlan(10, 10),
    "GetShipmentDetails": UsagePlan(10, 10),
    "GetShipmentLabels": UsagePlan(10, 10),
    "getTransaction": UsagePlan(10, 20),
    "submitInvoices": UsagePlan(10, 10),
}
# Sandbox calls are throttled at 5 requests per second with a burst of 15, for every operation.
SANDBOX_PLAN = UsagePlan(5, 15)


def usage_plan(operation: str, *, sandbox: bool) -> UsagePlan:
    return SANDBOX_PLAN if sandbox else USAGE_PLANS.get(operation, UsagePlan(10, 10))


class RateLimiter:
    """Thread-safe token buckets keyed by (account, operation)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}  # tokens, last refill

    def take(self, account: str, operation: str, plan: UsagePlan) -> bool:
        """Take one token; False when the bucket is empty (answer 429)."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get((account, operation), (float(plan.burst), now))
            tokens = min(float(plan.burst), tokens + (now - last) * plan.rate)
            allowed = tokens >= 1.0
            self._buckets[(account, operation)] = (tokens - 1.0 if allowed else tokens, now)
        return allowed

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
