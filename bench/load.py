"""Load test: the main pages under a team's load, p95 < 150 ms at 60 pages/s on 2 cores.

Run from the repository root with the venv active (dev extras: locust):

    python bench/load.py [--orders 1000000] [--rate 60] [--users 20] [--run-time 60]
        [--workers 4] [--port 8097] [--database-url postgres://…/shopctrl_bench]

1. Builds the data with bench/orders_grid.py's fast loader (1,000,000 orders by default,
   in `shopctrl_bench`, shared with that bench; another --orders gets its own database
   `shopctrl_bench_<orders>` unless --database-url says otherwise) and gives the bench user a
   password.
2. Starts gunicorn on 127.0.0.1 only (production settings; MFA_REQUIRED=false for this
   server alone: it measures pages, not sign-in).
3. Runs locust headless (bench/locustfile.py) with a bounded user count and run time; each
   user signs in through the sign-in page, then reads the grid, filtered grids, searches,
   order pages, the dashboard and the alerts at --rate pages/s over all users.
4. Prints p50/p95 per page (client time and the server's own, from Server-Timing) and the
   pages/s reached, writes bench/results/load-<orders>.json, stops gunicorn, and exits 1
   when the overall p95 is 150 ms or more, or the rate fell short by more than 5 %.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import orders_grid

BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # never any other address
BUDGET_P95_MS = 150.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=60.0, help="pages/s over all users")
    parser.add_argument("--users", type=int, default=20, help="simultaneous users (max 200)")
    parser.add_argument("--run-time", type=int, default=60, help="seconds (max 1800)")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds not measured")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)
    if not 10_000 <= args.orders <= 99_999_999:
        parser.error("--orders must be between 10000 and 99999999")
    if not 1 <= args.users <= 200 or not 10 <= args.run_time <= 1800:
        parser.error("--users 1..200 and --run-time 10..1800: the run stays bounded")
    if not args.database_url:
        name = "shopctrl_bench" if args.orders == 1_000_000 else f"shopctrl_bench_{args.orders}"
        args.database_url = f"postgres://postgres@127.0.0.1:5432/{name}"
    return args


def build(args: argparse.Namespace) -> dict:
    """The data (reused when already loaded) and the URLs the users read."""
    orders_grid.configure_environment(args.database_url)
    if orders_grid.ensure_database(args.database_url):
        print(f"Created database {args.database_url.rsplit('/', 1)[-1]}")
    orders_grid.setup_django()
    orders_grid.migrate()
    shops = orders_grid.ensure_shops()
    report = orders_grid.ensure_orders(shops, args.orders, reload=False)

    from django.db.models import Max
    from django.urls import reverse

    from orders.models import Order
    from shops.models import OrderStatus, PaymentStatus

    password = secrets.token_urlsafe(16)
    shops.user.set_password(password)
    shops.user.save(update_fields=["password"])
    shop = shops.shop
    grid = reverse("orders:order-list", args=[shop.pk])
    statuses = dict(OrderStatus.objects.filter(shop=shop).values_list("name", "pk"))
    payments = dict(PaymentStatus.objects.filter(shop=shop).values_list("name", "pk"))
    newest = Order.objects.filter(shop=shop).aggregate(m=Max("ordered_at"))["m"].date()
    month_from, month_to = orders_grid.month_bounds(newest)
    ids = list(
        Order.objects.filter(shop=shop).order_by("-ordered_at").values_list("pk", "number")[:200]
    )
    middle = f"PO{args.orders // 2:08d}"

    def url(**query) -> str:
        return f"{grid}?{urlencode(query)}"

    return {
        "username": shops.user.get_username(),
        "password": password,
        "grid": grid,
        "filtered": [
            url(status=statuses["New"]),
            url(status=statuses["Shipped"], payment=payments["Unpaid"]),
            url(channel="amazon_1p", purchase_type="bulk_buy"),
            url(date_from=month_from, date_to=month_to),
        ],
        "search": [url(q=middle), url(q=middle[:8]), *(url(q=number) for _, number in ids[:20])],
        "orders": [reverse("orders:order-detail", args=[shop.pk, pk]) for pk, _ in ids],
        "dashboard": reverse("shops:dashboard", args=[shop.pk]),
        "alerts": reverse("shops:alert-list", args=[shop.pk]),
        "load": {"orders": report.orders, "reused": report.reused, "seconds": report.seconds},
    }


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MFA_REQUIRED="false",  # this server only: the load test measures pages, not sign-in
        LOG_LEVEL="WARNING",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        DATABASE_CONN_MAX_AGE="60",
    )
    # Redis for the cache and sessions, as in production (docker-compose.yml): its own db.
    env["REDIS_URL"] = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/12")
    return env


def start_gunicorn(args: argparse.Namespace) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "load_wsgi:application",
        # The repository as the working directory: Celery's Django fix-up puts the working
        # directory first on sys.path, where bench/cockpit.py and bench/receiving.py would
        # hide the apps of the same names.
        "--chdir", str(BENCH.parent), "--pythonpath", str(BENCH),
        "--bind", f"{HOST}:{args.port}",
        "--workers", str(args.workers),
        "--access-logfile", "-" if os.environ.get("LOAD_ACCESS_LOG") else "/dev/null",
        "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(command, env=server_env(args), start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://{HOST}:{args.port}/livez", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                sys.exit("gunicorn stopped; see its output above.")
            time.sleep(0.5)
    stop(server)
    sys.exit("gunicorn did not answer /livez within 60 s.")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)  # gunicorn and its workers, started by us
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def run_locust(args: argparse.Namespace, plan_path: Path, out_path: Path, meter: CpuMeter) -> None:
    env = dict(os.environ)
    env.update(
        LOAD_PLAN=str(plan_path),
        LOAD_OUT=str(out_path),
        LOAD_USERS=str(args.users),
        LOAD_RATE=str(args.rate),
        LOAD_WARMUP=str(args.warmup),
    )
    command = [
        sys.executable, "-m", "locust", "-f", str(BENCH / "locustfile.py"),
        "--headless", "--only-summary",
        "--users", str(args.users), "--spawn-rate", str(max(1, args.users // 5)),
        "--run-time", f"{args.run_time}s", "--stop-timeout", "10",
        "--host", f"http://{HOST}:{args.port}",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    locust = subprocess.Popen(command, env=env, cwd=BENCH)
    try:
        locust.wait(timeout=args.warmup)  # sign-ins (password hashing) and warm-up
    except subprocess.TimeoutExpired:
        meter.begin(psutil.Process(locust.pid))
    locust.wait()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summarise(out_path: Path, args: argparse.Namespace) -> dict:
    data = json.loads(out_path.read_text())
    rows, everything, moments = {}, [], []
    for name, samples in sorted(data["samples"].items()):
        client = [s[1] for s in samples]
        server = [s[2] for s in samples if s[2] >= 0]
        everything += client
        moments += [s[0] for s in samples]
        rows[name] = {
            "requests": len(samples),
            "failures": data["failures"].get(name, 0),
            "p50_ms": round(percentile(client, 0.50), 1),
            "p95_ms": round(percentile(client, 0.95), 1),
            "server_p50_ms": round(percentile(server, 0.50), 1) if server else None,
            "server_p95_ms": round(percentile(server, 0.95), 1) if server else None,
        }
    span = (max(moments) - min(moments)) if len(moments) > 1 else 1.0
    return {
        "pages": rows,
        "overall": {
            "requests": len(everything),
            "failures": sum(data["failures"].values()),
            "p50_ms": round(percentile(everything, 0.50), 1),
            "p95_ms": round(percentile(everything, 0.95), 1),
            "mean_ms": round(statistics.fmean(everything), 1),
            "pages_per_s": round(len(everything) / span, 1),
        },
    }


@dataclass
class CpuMeter:
    """CPU seconds the measured part of the run (after the warm-up) cost, by party: gunicorn
    (master and workers), the PostgreSQL backends of the bench database, and locust. Unlike
    response times these hardly depend on what else the machine runs, so they tell what
    60 pages/s need of 2 cores."""

    server: subprocess.Popen
    database: str
    start: dict[str, float] = field(default_factory=dict)
    reaped_before: float = 0.0  # CPU of this process's children that ended before locust

    def _gunicorn(self) -> float:
        root = psutil.Process(self.server.pid)
        return sum(_cpu(p) for p in [root, *root.children(recursive=True)])

    def _postgres(self) -> float:
        total = 0.0
        for process in psutil.process_iter(["name", "cmdline"]):
            title = " ".join(process.info["cmdline"] or [])
            if title.startswith("postgres: ") and f" {self.database} " in f"{title} ":
                total += _cpu(process)
        return total

    def before_locust(self) -> None:
        self.reaped_before = _children_cpu()

    def begin(self, locust: psutil.Process) -> None:
        """At the end of the warm-up: what sign-ins and warm-up cost is left out."""
        self.start = {
            "gunicorn": self._gunicorn(),
            "postgres": self._postgres(),
            "locust": sum(_cpu(p) for p in [locust, *locust.children(recursive=True)]),
        }

    def end(self, requests: int) -> dict[str, float]:
        spent = {
            "gunicorn": self._gunicorn() - self.start["gunicorn"],
            "postgres": self._postgres() - self.start["postgres"],
            # locust has exited and been reaped: all it cost, less its warm-up
            "locust": _children_cpu() - self.reaped_before - self.start["locust"],
        }
        per_page = {
            f"{k}_ms_per_page": round(1000 * v / max(requests, 1), 2) for k, v in spent.items()
        }
        total = sum(spent.values())
        return {
            "requests": requests,
            **{f"{k}_cpu_s": round(v, 2) for k, v in spent.items()},
            **per_page,
            "total_ms_per_page": round(1000 * total / max(requests, 1), 2),
            # what two cores could serve if nothing else ran and they were used to the full
            "pages_per_s_ceiling_2_cores": round(2 * requests / total, 1) if total else None,
        }


def _cpu(process: psutil.Process) -> float:
    try:
        times = process.cpu_times()
    except psutil.Error:  # a process gone meanwhile (a backend that disconnected)
        return 0.0
    return times.user + times.system


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def print_table(summary: dict) -> None:
    head = f"{'page':<22}{'requests':>9}{'fail':>6}{'p50 ms':>9}{'p95 ms':>9}"
    print(f"{head}{'server p50':>12}{'server p95':>12}")
    for name, row in summary["pages"].items():
        print(
            f"{name:<22}{row['requests']:>9}{row['failures']:>6}{row['p50_ms']:>9}"
            f"{row['p95_ms']:>9}{row['server_p50_ms']!s:>12}{row['server_p95_ms']!s:>12}"
        )
    o = summary["overall"]
    print(
        f"{'ALL':<22}{o['requests']:>9}{o['failures']:>6}{o['p50_ms']:>9}{o['p95_ms']:>9}"
        f"   → {o['pages_per_s']} pages/s"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = build(args)
    with tempfile.TemporaryDirectory(prefix="shopctrl-load-") as tmp:
        plan_path, out_path = Path(tmp) / "plan.json", Path(tmp) / "out.json"
        plan_path.write_text(json.dumps(plan))
        server = start_gunicorn(args)
        try:
            print(
                f"locust: {args.users} users, {args.rate} pages/s, {args.run_time} s "
                f"(first {args.warmup} s not measured) against http://{HOST}:{args.port}",
                flush=True,
            )
            meter = CpuMeter(server, urlsplit(args.database_url).path.lstrip("/"))
            meter.before_locust()
            run_locust(args, plan_path, out_path, meter)
            measured = json.loads(out_path.read_text())["samples"]
            cpu = meter.end(sum(len(samples) for samples in measured.values()))
        finally:
            stop(server)
        summary = summarise(out_path, args)
        summary["cpu"] = cpu
    print_table(summary)
    print(
        "CPU per page (after the warm-up): "
        + ", ".join(f"{k} {cpu[f'{k}_ms_per_page']} ms" for k in ("gunicorn", "postgres", "locust"))
        + f"; total {cpu['total_ms_per_page']} ms → at most {cpu['pages_per_s_ceiling_2_cores']}"
        " pages/s on 2 cores"
    )
    overall = summary["overall"]
    ok = (
        overall["p95_ms"] < BUDGET_P95_MS
        and overall["pages_per_s"] >= 0.95 * args.rate
        and overall["failures"] == 0
    )
    result = {
        "orders": args.orders,
        "rate_target": args.rate,
        "users": args.users,
        "run_time_s": args.run_time,
        "gunicorn_workers": args.workers,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "data": plan["load"],
        **summary,
        "passed": ok,
    }
    orders_grid.RESULTS_DIR.mkdir(exist_ok=True)
    path = orders_grid.RESULTS_DIR / f"load-{args.orders}.json"
    path.write_text(json.dumps(result, indent=2))
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict}: p95 {overall['p95_ms']} ms (budget {BUDGET_P95_MS:.0f}) at "
          f"{overall['pages_per_s']} pages/s (target {args.rate}); {path}")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
