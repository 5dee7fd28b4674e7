"""Benchmark: the CPU every signed-in page pays before and after its view.

Run from the repository root with the venv active, after `orders_grid.py` has built the
database (any size; 20,000 orders is plenty):

    python bench/request_overhead.py [--database-url postgres://.../shopctrl_bench_<N>]
        [--requests 100] [--redis-url redis://127.0.0.1:6379/11] [--profile PAGE]

It signs the bench user in with `force_login` (production settings; with `--redis-url`,
or REDIS_URL, the Redis cache and `cached_db` sessions of production), then requests each
page round-robin through `django.test.Client` and prints, per page, the process CPU time
(`time.process_time`, which a busy machine inflates less than the wall clock) as min and
median of N, with its SQL query count and the Python function calls it makes (cProfile's
count, which load on the machine does not change).

The pages: three floors that take the fixed cost apart (an empty view behind the whole
middleware stack; the same plus `shop_for_user`; the same plus the base layout, rendered
empty), then cheap real pages (the account page, the shops list, the alerts page) and the
htmx request of the orders grid, whose view work is small; last the full grid page and
the dashboard of the load test's mix, for scale. `--profile PAGE` prints
cProfile's top functions (by CPU time) for one page instead.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orders_grid  # the bench's environment and data helpers

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shopctrl_bench_20000"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--profile", help="print cProfile's top functions for this page")
    return parser.parse_args(argv)


# --- Floor views: served only by this script's URLconf ----------------------------------


def floor_urlpatterns() -> list:
    """The project's URLs plus three views that take the fixed per-request cost apart."""
    from django.http import HttpResponse
    from django.shortcuts import render
    from django.urls import path

    from shopctrl.urls import urlpatterns
    from shops.access import shop_for_user
    from shops.permissions import Perm

    def empty(request):
        return HttpResponse("ok")

    def access(request, shop_id: int):
        shop_for_user(request, shop_id, Perm.SHOP_VIEW)
        return HttpResponse("ok")

    def layout(request, shop_id: int):
        shop_for_user(request, shop_id, Perm.SHOP_VIEW)
        return render(request, "base.html")

    return [
        path("bench-floor/empty/", empty),
        path("bench-floor/<int:shop_id>/access/", access),
        path("bench-floor/<int:shop_id>/layout/", layout),
        *urlpatterns,
    ]


urlpatterns: list = []  # filled in main(), once Django is set up


def pages(shop_id: int) -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "empty view": ("/bench-floor/empty/", {}),
        "+ shop access": (f"/bench-floor/{shop_id}/access/", {}),
        "+ base layout": (f"/bench-floor/{shop_id}/layout/", {}),
        "account": ("/account/", {}),
        "shops list": ("/shops/", {}),
        "alerts": (f"/shops/{shop_id}/alerts/", {}),
        "grid htmx": (f"/shops/{shop_id}/orders/", {"HX-Request": "true"}),
        "grid": (f"/shops/{shop_id}/orders/", {}),
        "dashboard": (f"/shops/{shop_id}/dashboard/", {}),
    }


def cpu_ms(client, url: str, headers: dict[str, str]) -> float:
    started = time.process_time()
    response = client.get(url, headers=headers)
    elapsed = (time.process_time() - started) * 1000
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    return elapsed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.redis_url:
        os.environ["REDIS_URL"] = args.redis_url
    orders_grid.configure_environment(args.database_url)
    orders_grid.setup_django()

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    urlpatterns[:] = floor_urlpatterns()
    settings.ROOT_URLCONF = __name__
    shops = orders_grid.ensure_shops()
    client = Client()
    client.force_login(shops.user)
    targets = pages(shops.shop.pk)
    for url, headers in targets.values():  # warm-up: templates, URL resolver, connections
        for _ in range(5):
            cpu_ms(client, url, headers)

    if args.profile:
        url, headers = targets[args.profile]
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(args.requests):
            client.get(url, headers=headers)
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(80)
        stats.sort_stats("tottime").print_stats(40)
        return 0

    timings: dict[str, list[float]] = {name: [] for name in targets}
    for _ in range(args.requests):  # round-robin, so a busy moment hits every page alike
        for name, (url, headers) in targets.items():
            timings[name].append(cpu_ms(client, url, headers))
    print(f"{'page':<14} {'CPU min ms':>10} {'median ms':>10} {'queries':>8} {'calls':>8}")
    for name, (url, headers) in targets.items():
        with CaptureQueriesContext(connection) as captured:
            client.get(url, headers=headers)
        values = timings[name]
        print(
            f"{name:<14} {min(values):>10.2f} {statistics.median(values):>10.2f} "
            f"{len(captured.captured_queries):>8} {python_calls(client, url, headers):>8}"
        )
    return 0


def python_calls(client, url: str, headers: dict[str, str], requests: int = 10) -> int:
    """Python function calls per request (cProfile's count): what a busy machine cannot
    blur, so a before/after comparison holds even when the CPU times are noisy."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url, headers=headers)
    profiler.disable()
    return round(pstats.Stats(profiler).total_calls / requests)


if __name__ == "__main__":
    sys.exit(main())
