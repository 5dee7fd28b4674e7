"""The shared SP-API rate limit on real Redis."""

import threading
import time
from itertools import pairwise

import pytest
import redis
from django.conf import settings

from amazon1p.spapi.ratelimit import (
    OPERATION_LIMITS,
    LocalRateLimiter,
    Pacing,
    RedisRateLimiter,
)


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter("spapi:rate:test-*"):
        client.delete(key)
    yield client
    for key in client.scan_iter("spapi:rate:test-*"):
        client.delete(key)


def _waits(limiter, account, operation, n):
    return [limiter.acquire(account, operation) for _ in range(n)]


def test_redis_bucket_allows_the_burst_then_paces_at_the_rate(redis_client):
    pacing = Pacing(headroom=0.05, burst_margin=1)
    limiter = RedisRateLimiter(redis_client, pacing=pacing, sleep=lambda s: None)
    interval = pacing.interval(OPERATION_LIMITS["getPurchaseOrders"], "getPurchaseOrders")

    began = time.monotonic()
    waits = _waits(limiter, "test-a", "getPurchaseOrders", 30)
    elapsed = time.monotonic() - began  # Redis's clock moved on meanwhile (a busy machine)

    assert all(w < 0.02 for w in waits[:9])  # burst 10, one token kept back
    # Reservations: the n-th call beyond the burst waits (n - 8) intervals, less the time
    # that passed since the first call.
    assert (29 - 8) * interval - elapsed - 0.05 <= waits[29] <= (29 - 8) * interval + 0.05
    assert all(b >= a for a, b in pairwise(waits[9:]))


def test_get_transaction_has_the_larger_burst(redis_client):
    limiter = RedisRateLimiter(redis_client, sleep=lambda s: None)
    waits = _waits(limiter, "test-b", "getTransaction", 19)
    assert all(w < 0.02 for w in waits)


def test_accounts_and_operations_have_separate_buckets(redis_client):
    limiter = RedisRateLimiter(redis_client, sleep=lambda s: None)
    _waits(limiter, "test-c", "getPurchaseOrders", 20)
    assert limiter.acquire("test-d", "getPurchaseOrders") < 0.02
    assert limiter.acquire("test-c", "getPurchaseOrder") < 0.02


def test_many_workers_share_one_bucket(redis_client):
    """Four 'workers' (own Redis connections) book slots from one bucket: the total pace
    is the account's, not four times it."""
    pacing = Pacing()
    interval = pacing.interval(OPERATION_LIMITS["getPurchaseOrders"], "getPurchaseOrders")
    results: list[float] = []
    lock = threading.Lock()

    def worker():
        limiter = RedisRateLimiter(
            redis.Redis.from_url(settings.REDIS_URL), pacing=pacing, sleep=lambda s: None
        )
        waits = _waits(limiter, "test-shared", "getPurchaseOrders", 10)
        with lock:
            results.extend(waits)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert len(results) == 40
    assert max(results) == pytest.approx((40 - 9) * interval, abs=0.1)
    slots = sorted(results)
    assert all(b - a >= interval * 0.9 for a, b in pairwise(slots[9:]))


def test_local_limiter_paces_in_process():
    now = [0.0]
    slept: list[float] = []
    limiter = LocalRateLimiter(clock=lambda: now[0], sleep=slept.append)
    waits = _waits(limiter, "acct", "getPurchaseOrders", 12)
    assert waits[:9] == [0.0] * 9
    assert waits[11] == pytest.approx(3 / 10)  # a read: Amazon's full rate


def test_submissions_keep_the_rate_headroom_reads_go_at_the_full_rate():
    """The burst token kept back absorbs a read's jitter (bench/pacing.py); a submission,
    whose upload time varies with its body, is paced 5 % below Amazon's rate as well."""
    now = [0.0]
    limiter = LocalRateLimiter(clock=lambda: now[0], sleep=lambda s: None)
    submissions = _waits(limiter, "acct", "submitInvoices", 12)
    reads = _waits(limiter, "acct", "getPurchaseOrdersStatus", 12)
    assert submissions[:9] == reads[:9] == [0.0] * 9
    assert submissions[11] == pytest.approx(3 / 9.5)
    assert reads[11] == pytest.approx(3 / 10)
    assert Pacing(full_rate=frozenset()).interval(
        OPERATION_LIMITS["getPurchaseOrdersStatus"], "getPurchaseOrdersStatus"
    ) == pytest.approx(1 / 9.5)


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _unreachable_redis() -> redis.Redis:
    # Port 1 on localhost: nothing listens, so every command raises ConnectionError at once.
    return redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.5)


def test_redis_outage_falls_back_to_a_share_of_the_rate_without_failing():
    clock = _FakeClock()
    pacing = Pacing(headroom=0.05, burst_margin=1)
    limiter = RedisRateLimiter(
        _unreachable_redis(), pacing=pacing, sleep=clock.sleep, clock=clock, fallback_processes=4
    )
    interval = pacing.interval(OPERATION_LIMITS["getPurchaseOrders"], "getPurchaseOrders")

    start = clock.now
    for _ in range(9):
        limiter.acquire("test-down", "getPurchaseOrders")  # never raises

    assert limiter.degraded
    # No burst and a quarter of the rate: 4 processes doing this stay within Amazon's limit.
    assert clock.now - start == pytest.approx(8 * 4 * interval, rel=0.01)


def test_redis_is_asked_again_after_the_pause_and_takes_over(redis_client):
    clock = _FakeClock()
    limiter = RedisRateLimiter(
        _unreachable_redis(), sleep=clock.sleep, clock=clock, retry_after=2.0
    )
    limiter.acquire("test-back", "getPurchaseOrders")
    assert limiter.degraded

    # Redis is back (same limiter, reachable client) once the pause is over.
    limiter._redis = redis_client
    limiter._script = redis_client.register_script(RedisRateLimiter._SCRIPT)
    clock.now += 2.0
    assert not limiter.degraded
    limiter.acquire("test-back", "getPurchaseOrders")
    assert redis_client.exists("spapi:rate:test-back:getPurchaseOrders")


def test_local_limiter_share_must_be_a_fraction():
    with pytest.raises(ValueError):
        LocalRateLimiter(share=0)
