"""The SP-API rate limit, shared by every worker process on every host.

Amazon meters each operation per (selling-partner account, application) with a token bucket
(vendor operations: 10 requests/s, burst 10; getTransaction: burst 20) and answers 429 when
it is empty. We keep our own bucket in Redis and wait *before* calling, so a well-behaved run
sees no 429 at all.

The bucket is kept as GCRA reservations: each caller atomically books the next free slot and
sleeps until it. Unlike "try, fail, sleep, retry", waiting callers are served in order and no
slot is wasted, which keeps a busy account within a few percent of the theoretical rate.

Redis may blink (a restart, a failover, a network hiccup). A sync must not fail for that,
and must not exceed Amazon's limit either: while Redis cannot be reached, each process falls
back to its own bucket paced at a *share* of the rate (the rate divided by the number of
processes that may call Amazon at once, `SPAPI_RATE_FALLBACK_PROCESSES`), so all of them
together still stay within the limit. Redis is tried again after a short pause and takes
over as soon as it answers.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import redis

import redis.exceptions

logger = logging.getLogger(__name__)

# A Redis that is restarting, failing over or unreachable (not a bug in our script).
_REDIS_OUTAGE_ERRORS = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    redis.exceptions.ReadOnlyError,
)


@dataclass(frozen=True)
class Limit:
    rate: float  # requests per second
    burst: int


# Amazon's documented usage plans (docs/amazon.md, "Rate limits").
OPERATION_LIMITS: dict[str, Limit] = {
    "getPurchaseOrders": Limit(10, 10),
    "getPurchaseOrder": Limit(10, 10),
    "getPurchaseOrdersStatus": Limit(10, 10),
    "submitAcknowledgement": Limit(10, 10),
    "SubmitShipmentConfirmations": Limit(10, 10),
    "getTransaction": Limit(10, 20),
    "submitInvoices": Limit(10, 10),
}


# Reads: small GETs whose arrival at Amazon follows their sending within a few
# milliseconds. The burst token kept back (`Pacing.burst_margin`) leaves every call one
# interval (100 ms at 10/s) of slack for that jitter, however long the run; bench/pacing.py
# measured 11 ms of it at most (both threads of a loaded 2-CPU machine), so these go at
# Amazon's full rate. Submissions (POST bodies up to megabytes, whose upload time varies
# with their size) keep the rate headroom as well.
FULL_RATE_OPERATIONS = frozenset(
    {"getPurchaseOrders", "getPurchaseOrder", "getPurchaseOrdersStatus", "getTransaction"}
)


@dataclass(frozen=True)
class Pacing:
    """How far below Amazon's limit we stay. Network jitter can make two requests sent
    1/rate apart arrive closer together: the burst token kept back absorbs up to one
    interval of it at any point of a run; the rate headroom adds slack that grows along
    the run, for the operations not in `full_rate`."""

    headroom: float = 0.05  # fraction of the rate left unused
    burst_margin: int = 1  # tokens of the burst left unused
    full_rate: frozenset[str] = FULL_RATE_OPERATIONS  # operations paced without headroom

    def interval(self, limit: Limit, operation: str) -> float:
        headroom = 0.0 if operation in self.full_rate else self.headroom
        return 1.0 / (limit.rate * (1.0 - headroom))

    def burst(self, limit: Limit) -> int:
        return max(1, limit.burst - self.burst_margin)


class RateLimiter(Protocol):
    def acquire(self, account: str, operation: str) -> float:
        """Block until a call of `operation` for `account` may go out; return seconds waited."""
        ...


class RedisRateLimiter:
    """Reservations in Redis (server clock, atomic Lua), shared across processes and hosts.

    When Redis errors, the call is paced by `fallback` instead (see the module docstring);
    Redis is asked again `retry_after` seconds later.
    """

    # KEYS[1] bucket key; ARGV: interval µs, tolerance µs. Returns the wait in µs.
    _SCRIPT = """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
    local interval = tonumber(ARGV[1])
    local tolerance = tonumber(ARGV[2])
    local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
    if tat < now then tat = now end
    local new_tat = tat + interval
    redis.call('SET', KEYS[1], string.format('%.0f', new_tat),
               'PX', math.floor((new_tat - now) / 1000) + 1000)
    local wait = tat - tolerance - now
    if wait < 0 then wait = 0 end
    return math.floor(wait)
    """

    def __init__(
        self,
        redis_client: "redis.Redis",
        *,
        pacing: Pacing = Pacing(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        fallback_processes: int = 4,
        retry_after: float = 2.0,
    ) -> None:
        self._redis = redis_client
        self._script = redis_client.register_script(self._SCRIPT)
        self._pacing = pacing
        self._sleep = sleep
        self._clock = clock
        self._fallback = LocalRateLimiter(
            pacing=pacing, clock=clock, sleep=sleep, share=1.0 / max(1, fallback_processes)
        )
        self._retry_after = retry_after
        self._redis_down_until = 0.0  # monotonic time before which Redis is not asked

    @property
    def degraded(self) -> bool:
        """True while calls are paced by the per-process fallback (Redis unreachable)."""
        return self._clock() < self._redis_down_until

    def acquire(self, account: str, operation: str) -> float:
        if self.degraded:
            return self._fallback.acquire(account, operation)
        limit = OPERATION_LIMITS[operation]
        interval = self._pacing.interval(limit, operation)
        tolerance = (self._pacing.burst(limit) - 1) * interval
        try:
            wait_us = int(
                self._script(
                    keys=[f"spapi:rate:{account}:{operation}"],
                    args=[round(interval * 1e6), round(tolerance * 1e6)],
                )
            )
        except _REDIS_OUTAGE_ERRORS as exc:
            # Temporary by nature: pace this call (and the next ones, for a short while)
            # on the conservative per-process share instead of failing the run.
            logger.warning(
                "Redis unreachable for the shared SP-API rate limit (%s); pacing this "
                "process at its fallback share of Amazon's rate for %.0f s",
                type(exc).__name__,
                self._retry_after,
            )
            self._redis_down_until = self._clock() + self._retry_after
            return self._fallback.acquire(account, operation)
        wait = wait_us / 1e6
        if wait > 0:
            self._sleep(wait)
        return wait


class LocalRateLimiter:
    """The same reservations in this process only: for the demo, which runs without Redis,
    and as the Redis limiter's fallback. Two processes using it at full share can together
    exceed Amazon's limit; with `share` = 1/N, N processes cannot (no burst then: one
    request per interval)."""

    def __init__(
        self,
        *,
        pacing: Pacing = Pacing(),
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        share: float = 1.0,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        self._pacing = pacing
        self._clock = clock
        self._sleep = sleep
        self._share = share
        self._lock = threading.Lock()
        self._tat: dict[tuple[str, str], float] = {}

    def acquire(self, account: str, operation: str) -> float:
        limit = OPERATION_LIMITS[operation]
        interval = self._pacing.interval(limit, operation) / self._share
        burst = self._pacing.burst(limit) if self._share == 1.0 else 1
        tolerance = (burst - 1) * interval
        with self._lock:
            now = self._clock()
            tat = max(self._tat.get((account, operation), now), now)
            self._tat[(account, operation)] = tat + interval
        wait = max(0.0, tat - tolerance - now)
        if wait > 0:
            self._sleep(wait)
        return wait


_warned_local = False


def rate_limiter_from_settings() -> RateLimiter:
    """Redis when REDIS_URL is set (every real deployment), else a per-process bucket."""
    from django.conf import settings

    pacing = Pacing(headroom=settings.SPAPI_RATE_HEADROOM)
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5
        )
        return RedisRateLimiter(
            client, pacing=pacing, fallback_processes=settings.SPAPI_RATE_FALLBACK_PROCESSES
        )
    global _warned_local
    if not _warned_local:
        logger.warning(
            "REDIS_URL is not set: the SP-API rate limit is kept per process, not shared "
            "between workers. Fine for the demo; set REDIS_URL in production."
        )
        _warned_local = True
    return LocalRateLimiter(pacing=pacing)
