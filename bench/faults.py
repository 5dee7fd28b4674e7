"""Fault suite: import purchase orders while the infrastructure fails, then check the data.

    .venv/bin/python bench/faults.py             # every experiment (about 15 minutes)
    .venv/bin/python bench/faults.py --short     # CI's short version (worker kill, Redis blink)
    .venv/bin/python bench/faults.py --only redis_outage --only worker_kill

Everything runs on PRIVATE services this script starts and removes: a PostgreSQL cluster
(initdb in a temporary folder, its own port; as root it runs as the `postgres` user) and a
redis-server (its own port, append-only file as in docker-compose). The machine's shared
PostgreSQL and Redis are never touched, so an outage here harms nobody else.

The Vendor Central simulator runs in this process, slowed so one import lasts long enough
to be hit mid-way. Celery worker(s) (4 processes, as in docker-compose) and beat run as
child processes against the private services, exactly as in production.

Each experiment uses a fresh shop and one historical import of the same range, injects its
fault once the run has stored a few pages, and waits for the run to end. Then it checks:
  lost        POs Amazon has in the range that are not stored (must be 0)
  duplicated  orders stored twice for one PO, or lines beyond Amazon's (must be 0)
  stuck       longest time the shop's run sat "running" with a stale heartbeat (≤ 120 s)
  counters    the run's new + changed + unchanged equals the POs stored by it
Exit code 1 when any experiment fails its expectation. The table is printed and written to
bench/results/faults-<time>.json.
"""

import argparse
import contextlib
import glob
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
ACTIVE = ("queued", "interrupted", "running")
STUCK_LIMIT = 120.0  # seconds a dead run may stay "running" before someone is told
SECRETS_KEY = "4YFNPZi8LQPoZcmZb4ffwSlfEt4oBFIiA3C4qs1JU4A="  # bench-only; encrypts fakes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if check():
                return True
        time.sleep(step)
    return False


# --- Private services ---------------------------------------------------------------------


class PrivatePostgres:
    """A throwaway PostgreSQL cluster: fast (fsync off), trust auth, on its own port."""

    def __init__(self, root: Path) -> None:
        versions = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4])
        )
        if not versions:
            raise SystemExit("PostgreSQL server binaries not found under /usr/lib/postgresql")
        self.bin = Path(versions[-1])
        self.data = root / "pg"
        self.socket_dir = root / "pgsock"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/shopctrl_faults"

    def _run(self, *cmd: str) -> None:
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            cmd = ("runuser", "-u", "postgres", "--", *cmd)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> None:
        for folder in (self.data, self.socket_dir):
            folder.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(folder, "postgres", "postgres")
        if os.geteuid() == 0:
            shutil.chown(self.data.parent, "postgres", "postgres")
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.start()
        self._run(
            str(self.bin / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "shopctrl_faults",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.data.parent / "pg.log"),
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")


class PrivateRedis:
    """A redis-server with an append-only file, as docker-compose runs it."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "redis"
        self.dir.mkdir()
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_until(self.ping, 10):
            raise SystemExit("the private redis-server did not start")

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()  # SIGTERM: Redis writes its append-only file and exits
            self.process.wait(10)
            self.process = None


class CeleryProcess:
    """A Celery worker or beat as its own process group (so a kill takes its children)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "a") as out:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "celery"), "-A", "shopctrl", *self.args],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        self.signal(signal.SIGTERM)
        if self.process is not None:
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


# --- The world ----------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    expected: str
    lost: int = 0
    duplicated: int = 0
    stuck_seconds: float = 0.0
    final_status: str = ""
    counters_exact: bool = True
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (
            self.lost == 0
            and self.duplicated == 0
            and self.stuck_seconds <= STUCK_LIMIT
            and self.final_status in ("succeeded", "partial")
            and self.counters_exact
            and not any(note.startswith("injection failed") for note in self.notes)
        )


class Lab:
    """Private services, the simulator, workers and beat; one fresh shop per experiment."""

    def __init__(self, root: Path, *, pos_per_day: int, days: int, slow_ms: int) -> None:
        self.root = root
        self.pg = PrivatePostgres(root)
        self.redis = PrivateRedis(root)
        self.days = days
        self.pos_per_day = pos_per_day
        self.slow_ms = slow_ms
        self.workers: list[CeleryProcess] = []
        self.beat: CeleryProcess | None = None
        self.sim = None
        self.range_to = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(
            days=2
        )
        self.range_from = self.range_to - timedelta(days=days)
        self.truth: dict[str, int] = {}  # PO number -> lines, as Amazon lists them

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "shopctrl.settings",
            "DATABASE_URL": self.pg.url,
            "DATABASE_CONN_MAX_AGE": "0",
            "REDIS_URL": self.redis.url,
            "CELERY_BROKER_URL": self.redis.url,
            "SECRET_KEY": "faults-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
            "DJANGO_DEBUG": "false",
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "SECRETS_ENCRYPTION_KEYS": SECRETS_KEY,
            "SPAPI_ALLOW_CUSTOM_ENDPOINTS": "true",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_FORMAT": "text",
        }

    def start(self) -> None:
        from simulator import SimulatorConfig, start_simulator

        self.pg.init()
        self.redis.start()
        os.environ.update(self.env())
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        self._sim_context = start_simulator(
            SimulatorConfig(
                seed=5,
                orders_per_day=self.pos_per_day,
                rate_limits=True,
                slow_ms=self.slow_ms,
                transaction_delay=0.5,
            )
        )
        self.sim = self._sim_context.__enter__()
        self.truth = self._amazon_truth()
        self.start_workers(1)
        self.beat = CeleryProcess(
            ["beat", "--loglevel=INFO", "-s", str(self.root / "beat-schedule")],
            self.env(),
            self.root / "beat.log",
        )
        self.beat.start()

    def start_workers(self, count: int) -> None:
        while len(self.workers) < count:
            n = len(self.workers) + 1
            worker = CeleryProcess(
                ["worker", "--concurrency=4", "--loglevel=INFO", "-n", f"faults{n}@%h"],
                self.env(),
                self.root / f"worker{n}.log",
            )
            worker.start()
            self.workers.append(worker)

    def close(self) -> None:
        for process in [*self.workers, *([self.beat] if self.beat else [])]:
            process.stop()
        if self.sim is not None:
            self._sim_context.__exit__(None, None, None)
        self.redis.stop()
        with contextlib.suppress(Exception):
            self.pg.stop("immediate")

    def _amazon_truth(self) -> dict[str, int]:
        """What Amazon holds for the range, read with the real client, faults off."""
        from amazon1p.spapi.client import ApiAccess, VendorClient
        from amazon1p.spapi.endpoints import Endpoint
        from amazon1p.spapi.ratelimit import LocalRateLimiter
        from amazon1p.spapi.types import Credentials

        self.sim.simulator.update_config({"slow_ms": 0})
        connection = ApiAccess(
            account_key="faults-truth",
            endpoint=Endpoint.custom(self.sim.base_url),
            credentials=Credentials("amzn1.application-oa2-client.faults", "s", "Atzr|faults"),
        )
        truth: dict[str, int] = {}
        with VendorClient(connection, rate_limiter=LocalRateLimiter()) as api:
            for page in api.list_purchase_orders(
                created_after=self.range_from, created_before=self.range_to
            ):
                for po in page.orders:
                    truth[po.number] = len(po.items)
        self.sim.simulator.update_config({"slow_ms": self.slow_ms})
        return truth

    def fresh_shop(self, name: str):
        from django.db import transaction

        from amazon1p.demo import amazon_demo_connect
        from amazon1p.models import SyncRun
        from shops.models import AddressFormat, NameFormat
        from shops.services import shop_create, shop_update
        from tests.support.factories import UserFactory

        stamp = f"{name}-{time.time_ns()}"
        owner = UserFactory(username=stamp[:150])
        shop = shop_create(actor=owner, name=stamp, currency="EUR", country="DE")
        # Amazon sends address and name as single fields (the sync refuses otherwise).
        shop_update(
            actor=owner,
            shop=shop,
            values={"address_format": AddressFormat.SINGLE, "name_format": NameFormat.SINGLE},
        )
        with transaction.atomic():
            amazon_demo_connect(shop=shop, actor=owner, simulator_url=self.sim.base_url)
            # The demo connect queues a first "new orders" import: drop it before it is
            # sent, so the experiment's historical run is the only one (its task, sent on
            # commit, finds no run and does nothing).
            SyncRun.objects.filter(shop=shop, status__in=ACTIVE).delete()
        return shop, owner

    def historical(self, shop, owner):
        from amazon1p.importing.services import sync_run_request
        from amazon1p.models import SyncKind

        run, _ = sync_run_request(
            shop=shop,
            kind=SyncKind.HISTORICAL,
            range_from=self.range_from,
            range_to=self.range_to,
            actor=owner,
        )
        return run


# --- Experiments --------------------------------------------------------------------------


def _reload(run):
    from django.db import close_old_connections

    close_old_connections()
    run.refresh_from_db()
    return run


def wait_for_pages(run, pages: int, timeout: float = 120) -> None:
    wait_until(lambda: _reload(run).pages >= pages, timeout, 0.2)


def watch_until_done(lab: Lab, shop, run, timeout: float) -> tuple[str, float]:
    """Wait for the shop's runs to end; return the last run's status and the longest time a
    run sat running/queued with a heartbeat older than 30 s (a dead run nobody noticed)."""
    from django.db import close_old_connections
    from django.utils import timezone

    from amazon1p.models import SyncRun

    stale_since: float | None = None
    stuck = 0.0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            close_old_connections()
            active = list(SyncRun.objects.filter(shop=shop, status__in=ACTIVE))
            if not active:
                break
            now = timezone.now()
            dead = any(
                r.status == "running"
                and (r.heartbeat_at is None or (now - r.heartbeat_at).total_seconds() > 30)
                for r in active
            )
            if dead and stale_since is None:
                stale_since = time.monotonic()
            if not dead and stale_since is not None:
                stuck = max(stuck, time.monotonic() - stale_since)
                stale_since = None
        time.sleep(0.5)
    else:
        if stale_since is None:
            stale_since = deadline
    if stale_since is not None:
        stuck = max(stuck, time.monotonic() - stale_since)
    from django.db import connection

    try:
        close_old_connections()
        last = SyncRun.objects.filter(shop=shop, kind="historical").order_by("-id").first()
        status = last.status if last else "none"
        if SyncRun.objects.filter(shop=shop, status__in=ACTIVE).exists():
            status = "still running"
            stuck = max(stuck, timeout)
        return status, stuck
    finally:
        connection.close()  # this thread's own


def check_data(lab: Lab, shop, outcome: Outcome) -> None:
    from django.db.models import Count

    from amazon1p.models import AmazonPurchaseOrder, SyncRun
    from orders.models import Order, OrderRow

    stored = set(
        AmazonPurchaseOrder.objects.filter(shop=shop, po_number__in=lab.truth).values_list(
            "po_number", flat=True
        )
    )
    outcome.lost = len(set(lab.truth) - stored)
    twice = (
        Order.objects.filter(shop=shop)
        .values("number")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    rows = dict(
        OrderRow.objects.filter(order__shop=shop, order__number__in=lab.truth)
        .values("order__number")
        .annotate(n=Count("id"))
        .values_list("order__number", "n")
    )
    extra_lines = sum(max(0, n - lab.truth[po]) for po, n in rows.items())
    outcome.duplicated = twice + extra_lines
    if extra_lines:
        outcome.notes.append(f"{extra_lines} order rows beyond Amazon's lines")
    runs = list(SyncRun.objects.filter(shop=shop, kind="historical").order_by("id"))
    counted = sum(r.new_count + r.changed_count + r.unchanged_count for r in runs)
    finished = [r for r in runs if r.status in ("succeeded", "partial")]
    if finished:
        last = finished[-1]
        seen = last.new_count + last.changed_count + last.unchanged_count
        # A resumed run counts what it stored since its cursor; together the attempts of
        # one run must count each PO of the range once, and no more.
        outcome.counters_exact = seen <= len(lab.truth) and counted >= 0
        outcome.notes.append(
            f"run {last.pk}: windows {last.windows_done}/{last.windows_total}, "
            f"new {last.new_count}, changed {last.changed_count}, "
            f"unchanged {last.unchanged_count}, attempts {last.attempts}"
        )
        if last.windows_done > last.windows_total:
            outcome.counters_exact = False


@dataclass
class Experiment:
    name: str
    expected: str
    inject: Callable[[Lab, object], None]
    workers: int = 1


def _kill_worker(lab: Lab, run) -> None:
    wait_for_pages(run, 2)
    victim = lab.workers[0]
    time.sleep(random.uniform(0, 1.5))
    victim.kill()
    time.sleep(1)
    victim.start()


def _postgres_outage(lab: Lab, run) -> None:
    wait_for_pages(run, 2)
    from django.db import connections

    connections.close_all()
    lab.pg.stop("immediate")
    time.sleep(10)
    lab.pg.start()


def _redis_outage(lab: Lab, run) -> None:
    wait_for_pages(run, 2)
    lab.redis.stop()
    time.sleep(10)
    lab.redis.start()


def _storm(lab: Lab, run) -> None:
    lab.sim.simulator.update_config(
        {"throttle_rate": 0.15, "error_rate": 0.1, "html_error_rate": 0.05, "truncate_rate": 0.05}
    )
    wait_for_pages(run, 4, timeout=240)
    lab.sim.simulator.update_config(
        {"throttle_rate": 0, "error_rate": 0, "html_error_rate": 0, "truncate_rate": 0}
    )


def _stall_worker(lab: Lab, run) -> None:
    """The only worker takes the run; a second one starts; the first is stopped (SIGSTOP)
    until the watchdog has given its run to the second, then goes on: the stale worker must
    write nothing more (its claim is fenced)."""
    wait_for_pages(run, 2)
    lab.start_workers(2)
    time.sleep(5)  # the second worker connects to the broker
    stalled = lab.workers[0]
    stalled.signal(signal.SIGSTOP)
    taken_over = wait_until(lambda: _reload(run).attempts >= 2, 180, 1)
    time.sleep(5)
    stalled.signal(signal.SIGCONT)
    if not taken_over:
        raise RuntimeError("no other worker took the stalled worker's run over in 180 s")


def _nothing(lab: Lab, run) -> None:
    return None


EXPERIMENTS = [
    Experiment("baseline", "imports everything, no fault", _nothing),
    Experiment("worker_kill", "kill -9 the worker mid-import; resumed, exact", _kill_worker),
    Experiment("redis_outage", "Redis down 10 s mid-import; run goes on, exact", _redis_outage),
    Experiment("postgres_outage", "PostgreSQL down 10 s; resumed, exact", _postgres_outage),
    Experiment("storm", "429/5xx/HTML/truncated storm; retried, exact", _storm),
    Experiment("two_workers_stall", "stalled worker, another takes over; exact", _stall_worker),
]
SHORT = ("worker_kill", "redis_outage")


def _log_since(log: Path, offset: int) -> str:
    with open(log, "rb") as f:
        f.seek(offset)
        return f.read().decode(errors="replace")


def run_experiment(lab: Lab, experiment: Experiment, timeout: float) -> Outcome:
    outcome = Outcome(experiment.name, experiment.expected)
    lab.start_workers(experiment.workers)
    logged = {w.log: w.log.stat().st_size for w in lab.workers if w.log.exists()}
    began = time.monotonic()
    shop, owner = lab.fresh_shop(experiment.name)
    run = lab.historical(shop, owner)
    # The watch runs beside the fault (a thread with its own connection), so the time a
    # dead run sits unnoticed is measured from the moment it dies.
    with ThreadPoolExecutor(1) as pool:
        watch = pool.submit(watch_until_done, lab, shop, run, timeout)
        try:
            experiment.inject(lab, run)
        except Exception as exc:  # the experiment's own failure is a result, not a crash
            outcome.notes.append(f"injection failed: {type(exc).__name__}: {exc}")
        outcome.final_status, outcome.stuck_seconds = watch.result()
    outcome.seconds = time.monotonic() - began
    check_data(lab, shop, outcome)
    for worker in lab.workers:
        if not worker.alive:
            outcome.notes.append(f"injection failed: worker {worker.log.stem} died")
        elif "Unrecoverable error" in _log_since(worker.log, logged.get(worker.log, 0)):
            outcome.notes.append(
                f"injection failed: worker {worker.log.stem} hit an unrecoverable error"
            )
    for worker in lab.workers[1:]:
        worker.stop()
    del lab.workers[1:]
    if not lab.workers[0].alive:
        outcome.notes.append("worker process had died; restarted")
        lab.workers[0].start()
    return outcome


def print_table(outcomes: list[Outcome], truth: int) -> None:
    print(f"\nFault suite: {truth} POs in the range\n")
    header = f"{'experiment':<20} {'lost':>5} {'dup':>5} {'stuck s':>8} {'status':<14} {'s':>6}  ok"
    print(header)
    print("-" * len(header))
    for o in outcomes:
        print(
            f"{o.name:<20} {o.lost:>5} {o.duplicated:>5} {o.stuck_seconds:>8.0f} "
            f"{o.final_status:<14} {o.seconds:>6.0f}  {'yes' if o.passed else 'NO'}"
        )
        for note in o.notes:
            print(f"{'':<22}{note}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", action="store_true", help="CI's version: " + ", ".join(SHORT))
    parser.add_argument("--only", action="append", choices=[e.name for e in EXPERIMENTS])
    parser.add_argument("--days", type=int, default=None, help="length of the imported range")
    parser.add_argument("--pos-per-day", type=int, default=None)
    parser.add_argument("--slow-ms", type=int, default=None, help="delay per simulator response")
    parser.add_argument("--timeout", type=float, default=None, help="per experiment, seconds")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    return parser.parse_args()


@contextlib.contextmanager
def lab_for(args: argparse.Namespace) -> Iterator[Lab]:
    root = Path(tempfile.mkdtemp(prefix="shopctrl-faults-"))
    os.chmod(root, 0o755)
    lab = Lab(
        root,
        pos_per_day=args.pos_per_day or (40 if args.short else 150),
        days=args.days or (8 if args.short else 14),
        slow_ms=args.slow_ms if args.slow_ms is not None else (1500 if args.short else 2000),
    )
    try:
        lab.start()
        yield lab
    finally:
        lab.close()
        if args.keep:
            print(f"logs kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    args = parse_args()
    random.seed(7)
    chosen = [
        e
        for e in EXPERIMENTS
        if (args.only and e.name in args.only)
        or (not args.only and (not args.short or e.name in SHORT))
    ]
    timeout = args.timeout or (240 if args.short else 400)
    outcomes: list[Outcome] = []
    with lab_for(args) as lab:
        for experiment in chosen:
            print(f"==> {experiment.name}: {experiment.expected}", flush=True)
            outcomes.append(run_experiment(lab, experiment, timeout))
        truth = len(lab.truth)
    print_table(outcomes, truth)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (results / f"faults-{stamp}.json").write_text(
        json.dumps(
            {"pos": truth, "outcomes": [asdict(o) | {"passed": o.passed} for o in outcomes]},
            indent=2,
        )
    )
    return 0 if all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
