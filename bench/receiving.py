"""Benchmark: reconcile the receiving status of 10,000 open POs at Amazon's rate limit.

    .venv/bin/python bench/receiving.py [--pos 10000] [--days 10]
    .venv/bin/python bench/receiving.py --pos 1000          # smoke run

Needs PostgreSQL on 127.0.0.1:5432 (database `shopctrl_bench_receiving`, created if
missing). The simulator runs as its own process with Amazon's rate limits ON and a density
that puts about `--pos` POs into the last `--days` days. Untimed set-up: a fresh shop imports
them with the real `new` sync, every PO is marked shipped (one group shipment whose ASN
Amazon accepted, every line shipped in full), and the status API is read once so the
simulator has every PO rendered (as the import bench does). Then, timed: one
`receiving_sync` of the shop with the real client and an in-process rate limiter, from
choosing the targets to the last page stored.

Checks (issue #16):
1. Zero 429s, as the client saw them and as the simulator logged them.
2. Wall time ≤ 1.1 × the theoretical minimum: ⌈N/100⌉ calls at Amazon's 10/s with a burst
   of 10, i.e. (⌈N/100⌉ − 10) / 10 s.
3. Every target PO got its receiving stored.
Exit code 1 when a check fails. Results also go to bench/results/receiving-<time>.json.
"""

import argparse
import json
import math
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from amazon1p_import import client, make_shop  # noqa: E402
from orders_grid import configure_environment, ensure_database, migrate, setup_django  # noqa: E402
from spapi_list import Simulator  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shopctrl_bench_receiving"
RATE, BURST, PAGE = 10, 10, 100  # getPurchaseOrdersStatus: 10/s, burst 10; 100 POs a page


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pos", type=int, default=10_000, help="open POs to reconcile")
    parser.add_argument("--days", type=int, default=10, help="created over the last N days")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    return parser.parse_args()


def theoretical_seconds(pos: int) -> float:
    return max(0.0, (math.ceil(pos / PAGE) - BURST) / RATE)


def import_pos(shop, base_url: str, start: datetime, end: datetime) -> None:
    from amazon1p.importing.models import SyncKind
    from amazon1p.importing.services import sync_run_request
    from amazon1p.importing.sync import sync_run_execute

    run, _ = sync_run_request(
        shop=shop, kind=SyncKind.NEW, range_from=start, range_to=end, enqueue=False
    )
    with client(base_url, True) as api:
        done = sync_run_execute(run_id=run.pk, client=api)
    print(f"imported {done.new_count} POs ({done.status})")


def ship_everything(shop) -> int:
    """One group shipment with every imported order, every line in full, ASN accepted."""
    from amazon1p.importing.models import AmazonPurchaseOrder
    from asn.models import (
        AsnStatus,
        AsnSubmission,
        GroupShipment,
        GroupShipmentStatus,
        Shipment,
        ShipmentLine,
        Warehouse,
    )
    from orders.models import OrderRow

    warehouse = Warehouse.objects.create(
        shop=shop,
        code="WH1",
        name="Bench warehouse",
        address_line="Road 1",
        postal_code="04109",
        city="Leipzig",
        country="DE",
    )
    group = GroupShipment.objects.create(
        shop=shop,
        code="BENCH-1",
        warehouse=warehouse,
        fc_code="LEJ1",
        status=GroupShipmentStatus.CONFIRMED,
    )
    AsnSubmission.objects.create(
        group=group,
        confirmation_type="Original",
        asn_number="BENCH-1",
        status=AsnStatus.SUCCESS,
        payload={},
    )
    order_ids = list(
        AmazonPurchaseOrder.objects.filter(shop=shop, order__isnull=False).values_list(
            "order_id", flat=True
        )
    )
    shipments = Shipment.objects.bulk_create(
        [Shipment(group=group, order_id=order_id) for order_id in order_ids], batch_size=2000
    )
    by_order = {s.order_id: s.pk for s in shipments}
    ShipmentLine.objects.bulk_create(
        [
            ShipmentLine(shipment_id=by_order[order_id], row_id=row_id, quantity=max(1, qty))
            for row_id, order_id, qty in OrderRow.objects.filter(
                order_id__in=order_ids
            ).values_list("pk", "order_id", "quantity")
        ],
        batch_size=5000,
    )
    return len(order_ids)


class CallClock:
    """The in-process rate limiter, noting when each call is let out (for the time to the
    first call, the pacing and the tail after the last call)."""

    def __init__(self) -> None:
        from amazon1p.spapi.ratelimit import LocalRateLimiter

        self.limiter = LocalRateLimiter()
        self.times: list[float] = []

    def acquire(self, account: str, operation: str) -> float:
        waited = self.limiter.acquire(account, operation)
        self.times.append(time.perf_counter())
        return waited


def timed_client(base_url: str, clock: CallClock):
    from amazon1p.spapi.client import ApiAccess, VendorClient
    from amazon1p.spapi.endpoints import Endpoint
    from amazon1p.spapi.types import Credentials

    access = ApiAccess(
        account_key="bench",
        endpoint=Endpoint.custom(base_url),
        credentials=Credentials("amzn1.application-oa2-client.bench", "bench", "Atzr|bench"),
    )
    return VendorClient(access, rate_limiter=clock)


def call_timing(began: float, seconds: float, calls: list[float]) -> dict:
    """When the calls went out, in seconds from the start of the sync, and the pace lost.

    The limiter's bucket (10/s, 9 of the burst) is replayed over the calls: whenever a call
    went out after the bucket was full again, the time in between was the reader's, not
    the rate's (it was not ready: parsing, waiting for the simulator or for a CPU). The
    pacing is (calls − 9) / 10 plus that.
    """
    if not calls:
        return {}
    first, last = calls[0] - began, calls[-1] - began
    interval = 1 / RATE
    tat, lost = calls[0] + interval, []
    for at in calls[1:]:
        lost.append(max(0.0, at - tat))
        tat = max(tat, at) + interval
    return {
        "first_call_seconds": round(first, 3),
        "pacing_seconds": round(last - first, 3),  # at least (calls - 9) / 10
        "pace_lost_seconds": round(sum(lost), 3),
        "pace_lost_in_first_20_calls": round(sum(lost[:19]), 3),
        "tail_seconds": round(seconds - last, 3),  # last call to the end of the sync
    }


def warm_up(base_url: str, start: datetime, end: datetime) -> None:
    with client(base_url, True) as api:
        for _ in api.list_purchase_order_statuses(created_after=start, created_before=end):
            pass


def describe(result, seconds: float, statuses: list[int], timing: dict) -> dict:
    """One run's figures (the first fill writes every line's first receipt and history)."""
    minimum = theoretical_seconds(result.targets)
    return {
        "pos": result.targets,
        "calls": result.calls,
        "seconds": round(seconds, 2),
        "theoretical_seconds": round(minimum, 2),
        "ratio": round(seconds / minimum, 3) if minimum else None,
        "client_429s": result.throttled,
        "simulator_429s": statuses.count(429),
        "statuses_stored": result.statuses,
        "lines_changed": result.lines_changed,
        "store_seconds": round(result.store_seconds, 2),
        "cpu_seconds": round(result.cpu_seconds, 2),
        **timing,
    }


def main() -> int:
    args = parse_args()
    configure_environment(args.database_url)
    ensure_database(args.database_url)
    setup_django()
    migrate()
    from receiving.models import LineReceipt, OrderReceiving
    from receiving.services import receiving_sync

    per_day = max(1, math.ceil(args.pos / args.days))
    sim = Simulator(orders_per_day=per_day, rate_limits=True, seed=29)
    try:
        end = (datetime.now(UTC) - timedelta(minutes=5)).replace(second=0, microsecond=0)
        start = end - timedelta(days=args.days)
        shop, _ = make_shop(sim.base_url)
        import_pos(shop, sim.base_url, start, end)
        targets = ship_everything(shop)
        warm_up(sim.base_url, start, end)
        runs = []
        for _ in range(2):  # the first fill, then the beat job's steady state
            time.sleep(2)  # let Amazon's bucket fill up again
            sim.clear_log()
            clock = CallClock()
            began, cpu = time.perf_counter(), time.process_time()
            with timed_client(sim.base_url, clock) as api:  # timed, as it always was
                built = time.perf_counter() - began
                result = receiving_sync(shop=shop, client=api)
            seconds = time.perf_counter() - began
            result.cpu_seconds = time.process_time() - cpu  # this process, both threads
            timing = {"client_seconds": round(built, 3)}
            timing.update(call_timing(began, seconds, clock.times))
            runs.append((result, seconds, sim.statuses(), timing))
    finally:
        sim.stop()
    first = describe(*runs[0])
    result, seconds, statuses, timing = runs[1]
    minimum = theoretical_seconds(result.targets)
    report = {
        "first_fill": first,
        "pos": result.targets,
        "orders_per_day": per_day,
        "range": [start.isoformat(), end.isoformat()],
        "calls": result.calls,
        "minimum_calls": math.ceil(result.targets / PAGE),
        "seconds": round(seconds, 2),
        "theoretical_seconds": round(minimum, 2),
        "ratio": round(seconds / minimum, 3) if minimum else None,
        "client_429s": result.throttled,
        "simulator_429s": statuses.count(429),
        "statuses_stored": result.statuses,
        "lines_changed": result.lines_changed,
        "receipts": LineReceipt.objects.filter(shop=shop).count(),
        "fully_received": OrderReceiving.objects.filter(shop=shop, fully_received=True).count(),
        "alerts": result.alerts,
        **timing,
        "lock_seconds": round(result.lock_seconds, 3),
        "targets_seconds": round(result.targets_seconds, 3),
        "plan_seconds": round(result.plan_seconds, 3),
        "holdings_seconds": round(result.holdings_seconds, 3),
        "store_seconds": round(result.store_seconds, 2),
        "alert_seconds": round(result.alert_seconds, 3),
        "cpu_seconds": round(result.cpu_seconds, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpu_count": os.cpu_count(),
    }
    checks = {
        "zero 429s": report["client_429s"] == 0
        and report["simulator_429s"] == 0
        and first["client_429s"] == first["simulator_429s"] == 0,
        "<= 1.1 x theoretical minimum": minimum == 0 or seconds <= 1.1 * minimum,
        "every target stored": first["statuses_stored"] == targets
        and result.statuses == result.targets,
    }
    report["checks"] = checks
    print(json.dumps(report, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (results / f"receiving-{stamp}.json").write_text(json.dumps(report, indent=2))
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
