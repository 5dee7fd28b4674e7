"""Benchmark: list purchase orders from the Vendor Central simulator with the real client.

    .venv/bin/python bench/spapi_list.py [--orders 10000] [--workers 4] [--big 100000]

Needs Redis (REDIS_URL, default redis://127.0.0.1:6379/15) for the shared rate limit. The
simulator runs as its own process (`manage.py vendor_simulator`); every measurement runs the
client in a fresh child process, so its peak RSS is the client's alone.

Checks, from the issue "The Amazon boundary":
1. Amazon's limits on, one process, N POs: calls ≤ ⌈N/100⌉ + one per window, zero 429s,
   wall time ≤ 1.15 × the theoretical minimum for that many calls at 10/s burst 10.
2. The same range split over 4 worker processes sharing one account: still zero 429s.
3. Limits off: client throughput in POs/s, and peak RSS flat from N to 10·N POs (≤ 150 MiB).
Exit code 1 when a check fails. Results also go to bench/results/spapi_list-<time>.json.
"""

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RANGE_DAYS = 10  # two 7-day windows: exercises windowing as well as paging
RATE, BURST = 10, 10  # Amazon's documented usage plan for getPurchaseOrders


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Simulator:
    """`manage.py vendor_simulator` in a child process."""

    def __init__(
        self,
        *,
        orders_per_day: int,
        rate_limits: bool,
        seed: int = 11,
        lines_per_po: int | None = None,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        args = [
            sys.executable,
            "manage.py",
            "vendor_simulator",
            "--port",
            str(self.port),
            "--seed",
            str(seed),
            "--orders-per-day",
            str(orders_per_day),
        ]
        if not rate_limits:
            args.append("--no-rate-limits")
        if lines_per_po:
            args += ["--lines-per-po", str(lines_per_po)]
        env = {**os.environ, "DJANGO_DEBUG": "true", "DATABASE_URL": "sqlite:///:memory:"}
        self.process = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base_url}/_simulator/config", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        self.process.kill()
        raise RuntimeError("the simulator did not start")

    def statuses(self) -> list[int]:
        """HTTP statuses of the vendor calls the simulator answered."""
        with urllib.request.urlopen(f"{self.base_url}/_simulator/requests", timeout=10) as r:
            entries = json.load(r)
        entries = entries.get("requests", entries) if isinstance(entries, dict) else entries
        return [e["status"] for e in entries if e["path"].startswith("/vendor/")]

    def clear_log(self) -> None:
        request = urllib.request.Request(f"{self.base_url}/_simulator/requests", method="DELETE")
        urllib.request.urlopen(request, timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


# --- the child: one client process listing one range ---------------------------------------


class NoLimit:
    """Client-side pacing off (for the limits-off throughput figures)."""

    def acquire(self, account: str, operation: str) -> float:
        return 0.0


def child(args: argparse.Namespace) -> None:
    import resource

    import redis

    from amazon1p.spapi.client import ApiAccess, VendorClient
    from amazon1p.spapi.endpoints import Endpoint
    from amazon1p.spapi.ratelimit import RedisRateLimiter
    from amazon1p.spapi.types import Credentials

    limiter = RedisRateLimiter(redis.Redis.from_url(args.redis_url)) if args.limits else NoLimit()
    connection = ApiAccess(
        account_key=args.account,
        endpoint=Endpoint.custom(args.base_url),
        credentials=Credentials(
            "amzn1.application-oa2-client.bench", "bench-secret", "Atzr|bench-" + args.account
        ),
    )
    start = datetime.fromisoformat(args.start)
    end = datetime.fromisoformat(args.end)
    orders = windows = 0
    began = time.perf_counter()
    with VendorClient(connection, rate_limiter=limiter) as client:
        seen_windows = set()
        for page in client.list_purchase_orders(created_after=start, created_before=end):
            orders += len(page.orders) + len(page.malformed)
            seen_windows.add(page.window_start)
        windows = len(seen_windows)
        stats = client.stats
    elapsed = time.perf_counter() - began
    print(
        json.dumps(
            {
                "orders": orders,
                "calls": stats.calls,
                "throttled": stats.throttled,
                "retries": stats.retries,
                "windows": windows,
                "seconds": elapsed,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def run_children(sim: Simulator, ranges, *, limits: bool, account: str, redis_url: str):
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                "--base-url",
                sim.base_url,
                "--start",
                a.isoformat(),
                "--end",
                b.isoformat(),
                "--account",
                account,
                "--redis-url",
                redis_url,
            ]
            + (["--limits"] if limits else []),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for a, b in ranges
    ]
    began = time.perf_counter()
    results = [json.loads(p.communicate(timeout=900)[0].strip().splitlines()[-1]) for p in procs]
    wall = time.perf_counter() - began
    return results, wall


def theoretical_seconds(calls: int) -> float:
    return max(0.0, (calls - BURST) / RATE)


def split(start: datetime, end: datetime, parts: int):
    step = (end - start) / parts
    return [(start + i * step, start + (i + 1) * step) for i in range(parts)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    for name in ("--base-url", "--start", "--end", "--account"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--limits", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0

    # The simulator schedules POs back from now; stop a minute ago so the count is stable.
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    start = end - timedelta(days=RANGE_DAYS)
    report: dict = {"when": datetime.now(UTC).isoformat(), "range_days": RANGE_DAYS}
    failures: list[str] = []

    print(f"1) limits on, one process, ~{args.orders:,} POs")
    sim = Simulator(orders_per_day=math.ceil(args.orders / RANGE_DAYS), rate_limits=True)
    try:
        (one,), wall = run_children(
            sim,
            [(start, end)],
            limits=True,
            account=f"bench-{uuid.uuid4().hex[:8]}",
            redis_url=args.redis_url,
        )
        server_429 = sim.statuses().count(429)
        bound = math.ceil(one["orders"] / 100) + one["windows"]
        theory = theoretical_seconds(one["calls"])
        one.update(
            server_429=server_429,
            call_bound=bound,
            theory_seconds=theory,
            ratio=one["seconds"] / theory if theory else None,
        )
        report["limits_on_single"] = one
        print(
            f"   {one['orders']:,} POs, {one['calls']} calls (bound {bound}), "
            f"{one['throttled']} client-seen 429s, {server_429} simulator 429s, "
            f"{one['seconds']:.2f}s vs theory {theory:.2f}s = {one['seconds'] / theory:.3f}×"
        )
        if one["calls"] > bound:
            failures.append(f"calls {one['calls']} > bound {bound}")
        if one["throttled"] or server_429:
            failures.append("429s with limits on (one process)")
        if one["seconds"] > 1.15 * theory:
            failures.append(f"wall {one['seconds']:.2f}s > 1.15 × {theory:.2f}s")

        print(f"2) limits on, {args.workers} worker processes sharing one account")
        sim.clear_log()
        results, wall = run_children(
            sim,
            split(start, end, args.workers),
            limits=True,
            account=f"bench-{uuid.uuid4().hex[:8]}",
            redis_url=args.redis_url,
        )
        calls = sum(r["calls"] for r in results)
        server_429 = sim.statuses().count(429)
        multi = {
            "workers": results,
            "orders": sum(r["orders"] for r in results),
            "calls": calls,
            "throttled": sum(r["throttled"] for r in results),
            "server_429": server_429,
            "wall_seconds": wall,
            "theory_seconds": theoretical_seconds(calls),
        }
        report["limits_on_workers"] = multi
        print(
            f"   {multi['orders']:,} POs, {calls} calls, {multi['throttled']} client-seen "
            f"429s, {server_429} simulator 429s, {wall:.2f}s vs theory "
            f"{multi['theory_seconds']:.2f}s"
        )
        if multi["throttled"] or server_429:
            failures.append(f"429s with {args.workers} workers sharing the account")
    finally:
        sim.stop()

    print("3) limits off: throughput and peak RSS")
    report["limits_off"] = []
    for n in (args.orders, args.big):
        sim = Simulator(orders_per_day=math.ceil(n / RANGE_DAYS), rate_limits=False)
        try:
            (res,), _ = run_children(
                sim, [(start, end)], limits=False, account="bench-off", redis_url=args.redis_url
            )
        finally:
            sim.stop()
        res["pos_per_second"] = res["orders"] / res["seconds"]
        report["limits_off"].append(res)
        print(
            f"   {res['orders']:,} POs in {res['seconds']:.2f}s = "
            f"{res['pos_per_second']:,.0f} POs/s, peak RSS {res['peak_rss_mib']:.1f} MiB"
        )
    small, big = report["limits_off"]
    if big["peak_rss_mib"] > 150:
        failures.append(f"peak RSS {big['peak_rss_mib']:.1f} MiB > 150 MiB")
    if big["peak_rss_mib"] - small["peak_rss_mib"] > 15:
        failures.append("peak RSS grows with the number of POs")

    report["failures"] = failures
    out = ROOT / "bench/results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"spapi_list-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"results: {path}")
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
