"""Benchmark: import purchase orders from the Vendor Central simulator into orders.

    .venv/bin/python bench/amazon1p_import.py --no-rate-limits [--pos 20000] [--days 7]

Needs PostgreSQL on 127.0.0.1:5432 (database `shopctrl_bench_import`, created if missing).
The simulator runs as its own process (`manage.py vendor_simulator`) with `orders_per_day`
chosen so the range holds about `--pos` POs of `--items` lines each (the issue's workload:
20,000 × 5); this process is the one worker. The simulator caches each PO's JSON once built,
so the bench lists the range once, untimed, before measuring: both imports then read from an
equally warm "Amazon", and the figures are ours, not the simulator's generation cost.

Checks, from the issue "Amazon 1P synchronization":
1. End to end (list pages over HTTP, parse, map, upsert, run bookkeeping): ≥ 1,000 POs/s.
2. Import core alone on 30 pages of 100 POs fetched and decoded beforehand: the sync's
   own page loop (`store_pages`: digest, parse and map in the prefetch thread, upsert and
   count in this one): ≥ 2,000 POs/s.
3. Re-sync of the same range, nothing changed: ≥ 3× faster than the first import.
4. Peak RSS of this process over the imports ≤ 150 MiB (taken before the core
   measurements, which hold their 30 decoded pages at once; that peak is reported too).
Each measurement is repeated (`--repeat`, fresh shop each time) and the medians are checked:
a 2-core machine shared with PostgreSQL and the simulator varies by ±15 % from run to run,
at times by ±30 %.
Exit code 1 when a check fails. Results also go to bench/results/amazon1p_import-<time>.json.
"""

import argparse
import json
import math
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from orders_grid import configure_environment, ensure_database, migrate, setup_django  # noqa: E402
from spapi_list import NoLimit, Simulator  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shopctrl_bench_import"
CORE_PAGES = 30  # pages of 100 POs for the core-only measurement


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pos", type=int, default=20_000, help="POs in the imported range")
    parser.add_argument("--days", type=int, default=7, help="length of the range in days")
    parser.add_argument("--items", type=int, default=5, help="lines per PO")
    parser.add_argument(
        "--repeat", type=int, default=3, help="measurements (fresh shop each); medians reported"
    )
    parser.add_argument("--no-rate-limits", action="store_true", help="limits off (both ends)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    return parser.parse_args()


def make_shop(base_url: str):
    """A fresh shop connected to the simulator, with the default FCs."""
    from amazon1p import crypto
    from amazon1p.connection.fulfillment_centers import default_fulfillment_centers
    from amazon1p.connection.models import AmazonConnection, FulfillmentCenter
    from shops.services import shop_create
    from tests.support.factories import UserFactory

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    owner = UserFactory(username=f"bench-{stamp}")
    shop = shop_create(actor=owner, name=f"Import bench {stamp}", currency="EUR", country="DE")
    connection = AmazonConnection.objects.create(
        shop=shop,
        enabled=True,
        endpoint_kind="custom",
        custom_base_url=base_url,
        vendor_code="VNDR1",
        lwa_client_id="amzn1.application-oa2-client.bench",
        lwa_client_secret_encrypted=crypto.encrypt("bench-secret"),
        refresh_token_encrypted=crypto.encrypt("Atzr|bench"),
    )
    FulfillmentCenter.objects.bulk_create(
        default_fulfillment_centers(connection, ref_prefix="REF-")
    )
    return shop, connection


def client(base_url: str, limits: bool):
    from amazon1p.spapi.client import ApiAccess, VendorClient
    from amazon1p.spapi.endpoints import Endpoint
    from amazon1p.spapi.ratelimit import LocalRateLimiter
    from amazon1p.spapi.types import Credentials

    connection = ApiAccess(
        account_key="bench",
        endpoint=Endpoint.custom(base_url),
        credentials=Credentials("amzn1.application-oa2-client.bench", "bench", "Atzr|bench"),
    )
    return VendorClient(connection, rate_limiter=LocalRateLimiter() if limits else NoLimit())


def warm_up(base_url: str, limits: bool, start: datetime, end: datetime) -> None:
    """List the range once so the simulator has every PO rendered (see the module doc)."""
    with client(base_url, limits) as api:
        for _ in api.list_purchase_orders(created_after=start, created_before=end):
            pass


def timed_run(shop, kind, start, end, base_url: str, limits: bool):
    from amazon1p.importing.services import sync_run_request
    from amazon1p.importing.sync import sync_run_execute

    run, _ = sync_run_request(shop=shop, kind=kind, range_from=start, range_to=end, enqueue=False)
    began = time.perf_counter()
    with client(base_url, limits) as api:
        done = sync_run_execute(run_id=run.pk, client=api)
    return done, time.perf_counter() - began


def core_only(base_url: str, limits: bool, start: datetime) -> dict:
    """The import core on pages fetched (and decoded) beforehand, into a fresh shop."""
    pages: list[list[dict]] = []
    with client(base_url, limits) as api:
        for page in api.list_purchase_orders(
            created_after=start, created_before=start + timedelta(days=7)
        ):
            pages.append([dict(po.raw) for po in page.orders])
            if len(pages) >= CORE_PAGES:
                break
    return core_pages(base_url, pages)


def core_pages(base_url: str, pages: list[list[dict]]) -> dict:
    """Parse, map and upsert these pages with the sync's own page loop (`store_pages`).

    Only Amazon is left out: the pages come from memory instead of HTTP, and the run's API
    counters stay at zero.
    """
    from types import SimpleNamespace

    from amazon1p.importing.models import SyncKind
    from amazon1p.importing.pages import RunRecorder, store_pages
    from amazon1p.importing.services import sync_run_request
    from amazon1p.importing.sync import mapping_context
    from amazon1p.spapi.client import read_purchase_order
    from amazon1p.spapi.types import PurchaseOrderPage

    shop, connection = make_shop(base_url)
    run, _ = sync_run_request(shop=shop, kind=SyncKind.NEW, enqueue=False)
    offline = SimpleNamespace(stats=SimpleNamespace(calls=0, throttled=0, retries=0))
    recorder = RunRecorder(run, offline)
    batches = [
        PurchaseOrderPage(None, None, tuple(raws), read=read_purchase_order) for raws in pages
    ]
    ctx = mapping_context(connection)
    began = time.perf_counter()
    store_pages(iter(batches), run=run, ctx=ctx, recorder=recorder, ignore_before=None)
    elapsed = time.perf_counter() - began
    run.refresh_from_db()
    count = run.new_count + run.changed_count + run.unchanged_count
    return {"pos": count, "seconds": round(elapsed, 3), "pos_per_s": round(count / elapsed)}


def measure_once(sim: Simulator, start: datetime, end: datetime, limits: bool) -> dict:
    """One first import and one re-sync into a fresh shop, then the core on its own."""
    from amazon1p.importing.models import SyncKind
    from orders.models import OrderRow

    shop, _ = make_shop(sim.base_url)
    first, first_s = timed_run(shop, SyncKind.NEW, start, end, sim.base_url, limits)
    second, second_s = timed_run(shop, SyncKind.NEW, start, end, sim.base_url, limits)
    rows = OrderRow.objects.filter(order__shop=shop).count()
    orders_with_rows = OrderRow.objects.filter(order__shop=shop).values("order").distinct()
    total = first.new_count + first.unchanged_count + first.changed_count + first.failed_count
    return {
        "pos": total,
        "items": rows,
        "items_per_po": round(rows / max(first.new_count, 1), 2),
        "first_import": {
            "seconds": round(first_s, 2),
            "pos_per_s": round(total / first_s),
            "status": first.status,
            "new": first.new_count,
            "failed": first.failed_count,
            "pages": first.pages,
            "api_calls": first.api_calls,
        },
        "resync": {
            "seconds": round(second_s, 2),
            "pos_per_s": round(total / second_s),
            "new": second.new_count,
            "unchanged": second.unchanged_count,
            "speedup": round(first_s / second_s, 2),
        },
        # The simulator's POs age in real time (New → Acknowledged…), so a few may change.
        "no_duplicates": second.new_count == 0 and orders_with_rows.count() == first.new_count,
    }


def main() -> int:
    args = parse_args()
    configure_environment(args.database_url)
    ensure_database(args.database_url)
    setup_django()
    migrate()

    limits = not args.no_rate_limits
    per_day = math.ceil(args.pos / args.days)
    sim = Simulator(orders_per_day=per_day, rate_limits=limits, lines_per_po=args.items)
    try:
        end = (datetime.now(UTC) - timedelta(minutes=5)).replace(second=0, microsecond=0)
        start = end - timedelta(days=args.days)
        warm_up(sim.base_url, limits, start, end)
        runs = [measure_once(sim, start, end, limits) for _ in range(args.repeat)]
        # The imports' peak, before the core measurements hold 30 decoded pages at once
        # (some 35 MiB of test scaffolding, not of the import).
        import_peak = rss_mib()
        cores = [core_only(sim.base_url, limits, start) for _ in range(args.repeat)]
    finally:
        sim.process.terminate()
        sim.process.wait(10)
    median = {
        "end_to_end_pos_per_s": statistics.median(r["first_import"]["pos_per_s"] for r in runs),
        "core_pos_per_s": statistics.median(core["pos_per_s"] for core in cores),
        "resync_speedup": statistics.median(r["resync"]["speedup"] for r in runs),
    }
    report = {
        "orders_per_day": per_day,
        "range": [start.isoformat(), end.isoformat()],
        "repeat": args.repeat,
        "median": median,
        "peak_rss_mib": round(import_peak, 1),
        "peak_rss_mib_with_core_pages": round(rss_mib(), 1),
        "runs": runs,
        "core_only": cores,
    }
    checks = {
        "end_to_end >= 1000 POs/s": median["end_to_end_pos_per_s"] >= 1000,
        "core >= 2000 POs/s": median["core_pos_per_s"] >= 2000,
        "resync >= 3x faster": median["resync_speedup"] >= 3,
        "peak RSS <= 150 MiB": report["peak_rss_mib"] <= 150,
        "no duplicates on re-sync": all(r["no_duplicates"] for r in runs),
    }
    report["checks"] = checks
    print(json.dumps(report, indent=2))
    out = ROOT / "bench/results" / f"amazon1p_import-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
