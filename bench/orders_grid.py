"""Benchmark: the orders grid must answer in under 150 ms p95 with 1,000,000 orders.

Run from the repository root with the venv active:

    python bench/orders_grid.py [--orders 1000000] [--requests 200]
        [--database-url postgres://postgres@127.0.0.1:5432/shopctrl_bench] [--reload]

What it does, in order:

1. Points Django at a dedicated benchmark database (created if missing) with production-like
   settings (DEBUG off) and runs `migrate`.
2. Creates, or reuses, a bench shop owned by a bench user through `shops.services.shop_create`,
   plus a few small shops so that every grid query has to filter by shop.
3. Loads the orders with set-based SQL (INSERT ... SELECT FROM generate_series), then
   VACUUM ANALYZE. A second run finds the data in place and skips this step.
4. Requests the grid view through `django.test.Client` for a mix of realistic scenarios
   (filters, searches, deep keyset pages), timing every full request/response.
5. Prints p50/p95/p99/max per scenario and overall, SQL queries per request and an
   EXPLAIN (ANALYZE, BUFFERS) of the main grid query, writes JSON to bench/results/ and
   exits 1 when the overall p95 is 150 ms or more.

See bench/README.md for details.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shopctrl_bench"

BUDGET_P95_MS = 150.0
BENCH_USERNAME = "bench-owner"
BENCH_SHOP_NAME = "Bench Vendor GmbH"
OTHER_SHOP_NAMES = ["Bench Other Shop 1", "Bench Other Shop 2", "Bench Other Shop 3"]
OTHER_SHOP_ORDERS = 5_000  # "a few other shops with a small number of orders"
LOAD_BATCH = 100_000  # orders per INSERT statement: big enough to be fast, small for progress
HISTORY = timedelta(days=3 * 365)  # orders are spread over about three years
CURSOR_DEPTH = 20  # how many pages deep the keyset-cursor scenarios go


# --- Environment and database ------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000, help="orders in the bench shop")
    parser.add_argument("--requests", type=int, default=200, help="timed requests in total")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--reload", action="store_true", help="delete and reload the bench orders even if present"
    )
    args = parser.parse_args(argv)
    if args.orders < 10_000:
        parser.error("--orders must be at least 10000 (the scenarios page 20 pages deep)")
    if args.orders > 99_999_999:
        parser.error("--orders must fit the 8-digit order numbers (PO00000001)")
    return args


def configure_environment(database_url: str) -> None:
    """Production-like settings for shopctrl.settings; must run before django.setup().

    Assigned (not setdefault) so a developer's shell or .env cannot turn DEBUG on, which
    would make Django record every query and skew the timings.
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "shopctrl.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["SECRET_KEY"] = "bench-only-secret-key-" + "x" * 50
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost,127.0.0.1"
    # Finders serve static files without a collectstatic run (and `setup_django` swaps
    # the manifest storage that DEBUG off selects for one that needs no manifest).
    os.environ["WHITENOISE_USE_FINDERS"] = "true"
    # Bench-only key: the grid touches no secret, but settings insist on one off DEBUG.
    os.environ.setdefault("SECRETS_ENCRYPTION_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1yZWFsLXVzZSE=")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def ensure_database(database_url: str) -> bool:
    """Create the bench database if it does not exist; True when it was created.

    Connects to the `postgres` maintenance database on the same server. Refuses database
    names without "bench": the loader writes a million rows and may delete bench orders.
    """
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    parts = urlsplit(database_url)
    name = unquote(parts.path.lstrip("/"))
    if "bench" not in name:
        sys.exit(f"Refusing to use database {name!r}: its name must contain 'bench'.")
    conninfo = make_conninfo(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password) if parts.password else None,
        dbname="postgres",
    )
    with psycopg.connect(conninfo, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


# Static file URLs without the manifest collectstatic writes: DEBUG off selects whitenoise's
# manifest storage, whose `{% static %}` fails on a fresh clone ("Missing staticfiles
# manifest entry"). Pages link the plain names; finders serve them. What is timed (views,
# queries, template rendering) is the same; only the file names lack their hash.
BENCH_STATICFILES_STORAGE = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}


def setup_django() -> None:
    import django
    from django.conf import settings

    sys.path.insert(0, str(REPO_ROOT))
    settings.STORAGES = {**settings.STORAGES, "staticfiles": BENCH_STATICFILES_STORAGE}
    # The benches measure pages, not sign-in: their users are signed in with force_login,
    # which no second factor follows (production settings would send them to MFA set-up).
    settings.MFA_REQUIRED = False
    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


# --- Bench shops and users ---------------------------------------------------------------


@dataclass
class BenchShops:
    user: Any
    shop: Any  # the big one the benchmark reads
    others: list[Any]


def ensure_shops() -> BenchShops:
    """Find or create the bench user and shops (through the services, as production does)."""
    from django.contrib.auth import get_user_model

    from shops.models import AddressFormat, AlertSeverity, NameFormat, Shop
    from shops.services import alert_raise, shop_create, shop_update

    user, _ = get_user_model().objects.get_or_create(username=BENCH_USERNAME)

    def find_or_create(name: str) -> Shop:
        shop = Shop.objects.filter(name=name, memberships__user=user).first()
        if shop is None:
            shop = shop_create(actor=user, name=name, currency="EUR", country="DE")
            # Amazon 1P shops keep names and addresses in single fields.
            shop_update(
                actor=user,
                shop=shop,
                values={"address_format": AddressFormat.SINGLE, "name_format": NameFormat.SINGLE},
            )
            if name == BENCH_SHOP_NAME:
                # A busy shop has a few unread alerts; the grid page shows them.
                for i in range(3):
                    alert_raise(
                        shop=shop,
                        severity=AlertSeverity.WARNING,
                        message=f"Bench alert {i}: order ships to an unknown fulfillment center.",
                    )
        return shop

    return BenchShops(
        user=user,
        shop=find_or_create(BENCH_SHOP_NAME),
        others=[find_or_create(name) for name in OTHER_SHOP_NAMES],
    )


# --- Loading orders ----------------------------------------------------------------------

# Status mixes: (name, weight). Old orders have mostly run their course; the last 30 days
# are still moving through the workflow. Names are the defaults from shops/defaults.py.
STATUS_MIX_OLD = [
    ("Completed", 0.85),
    ("Shipped", 0.06),
    ("Cancelled", 0.05),
    ("On hold", 0.01),
    ("In progress", 0.01),
    ("Acknowledged", 0.01),
    ("New", 0.01),
]
STATUS_MIX_RECENT = [
    ("New", 0.20),
    ("Acknowledged", 0.25),
    ("In progress", 0.20),
    ("Shipped", 0.20),
    ("Completed", 0.10),
    ("On hold", 0.03),
    ("Cancelled", 0.02),
]
# Payment status depends on the main status: completed orders are paid, cancelled credited.
PAYMENT_MIX_COMPLETED = [("Paid", 0.95), ("Partially paid", 0.03), ("Unpaid", 0.02)]
PAYMENT_MIX_CANCELLED = [("Fully credited", 0.80), ("Unpaid", 0.20)]
PAYMENT_MIX_OPEN = [("Unpaid", 0.85), ("Partially paid", 0.05), ("Paid", 0.10)]
AMAZON_SHARE = 0.95  # channel: most orders come from Amazon 1P, the rest are manual
PURCHASE_MIX_AMAZON = [("weekly", 0.70), ("bulk_buy", 0.20), ("undefined", 0.05), ("", 0.05)]
QUANTITIES = [6, 12, 24, 48, 96, 120]  # Amazon orders in case packs


def weighted_case(random_column: str, choices: list[tuple[str, float]]) -> str:
    """SQL CASE picking one of `choices` (SQL literals) by a uniform random column in [0, 1).

    Built from the constants above only, never from input, so inlining is safe.
    """
    parts, cumulative = [], 0.0
    for literal, weight in choices[:-1]:
        cumulative += weight
        parts.append(f"WHEN {random_column} < {cumulative:.4f} THEN {literal}")
    return f"CASE {' '.join(parts)} ELSE {choices[-1][0]} END"


def _ids(mix: list[tuple[str, float]], ids_by_name: dict[str, int]) -> list[tuple[str, float]]:
    return [(str(ids_by_name[name]), weight) for name, weight in mix]


def _quoted(mix: list[tuple[str, float]]) -> list[tuple[str, float]]:
    return [(f"'{value}'", weight) for value, weight in mix]


def insert_orders_sql(shop) -> str:
    """One statement inserting orders [lo, hi] of `total` for `shop`, with their rows.

    Order i is placed at `end - HISTORY * (total - i) / total` minus up to 3 hours of jitter,
    so ids and numbers (PO00000001, ...) grow with time as in real life. Each order gets 1-3
    rows (50/30/20 %) picked from the demo catalogue.
    """
    from shops.models import OrderStatus, PaymentStatus, PaymentType, VatTariff

    status = dict(OrderStatus.objects.filter(shop=shop).values_list("name", "pk"))
    payment = dict(PaymentStatus.objects.filter(shop=shop).values_list("name", "pk"))
    payment_type = dict(PaymentType.objects.filter(shop=shop).values_list("code", "pk"))
    vat = VatTariff.objects.get(shop=shop, is_default=True).pk
    status_sql = (
        f"CASE WHEN recent THEN {weighted_case('r_status', _ids(STATUS_MIX_RECENT, status))} "
        f"ELSE {weighted_case('r_status', _ids(STATUS_MIX_OLD, status))} END"
    )
    payment_sql = (
        f"CASE main_status_id "
        f"WHEN {status['Completed']} THEN "
        f"{weighted_case('r_payment', _ids(PAYMENT_MIX_COMPLETED, payment))} "
        f"WHEN {status['Cancelled']} THEN "
        f"{weighted_case('r_payment', _ids(PAYMENT_MIX_CANCELLED, payment))} "
        f"ELSE {weighted_case('r_payment', _ids(PAYMENT_MIX_OPEN, payment))} END"
    )
    purchase_sql = weighted_case("r_purchase", _quoted(PURCHASE_MIX_AMAZON))
    # Django's cursor uses pyformat parameters, so a literal % is written %%.
    return f"""
        WITH src AS (
            SELECT
                g.i,
                %(end)s::timestamptz
                    - %(history)s::interval * ((%(total)s - g.i)::float8 / %(total)s)
                    - random() * interval '3 hours' AS ordered_at,
                random() AS r_status,
                random() AS r_payment,
                random() < {AMAZON_SHARE} AS amazon,
                random() AS r_purchase,
                1 + floor(random() * cardinality(%(fc_names)s::text[]))::int AS fc
            FROM generate_series(%(lo)s::int, %(hi)s::int) AS g(i)
        ), aged AS (
            SELECT src.*, ordered_at > %(end)s::timestamptz - interval '30 days' AS recent
            FROM src
        ), with_status AS (
            SELECT aged.*, {status_sql} AS main_status_id FROM aged
        ), new_orders AS (
            INSERT INTO orders_order (
                shop_id, number, channel, external_reference, main_status_id,
                payment_status_id, payment_type_id, purchase_type, currency, ordered_at,
                created_at, updated_at, customer_name, customer_first_name,
                customer_last_name, address_line, street, house_number, house_number_ext,
                postal_code, city, country, parties
            )
            SELECT
                %(shop_id)s,
                'PO' || lpad(i::text, 8, '0'),
                CASE WHEN amazon THEN 'amazon_1p' ELSE 'manual' END,
                CASE WHEN amazon
                    THEN upper(to_hex(268435456 + floor(random() * 4026531839)::bigint))
                    ELSE '' END,
                main_status_id,
                {payment_sql},
                CASE WHEN amazon THEN {payment_type["invoice"]}
                    ELSE {payment_type["bank-transfer"]} END,
                CASE WHEN amazon THEN {purchase_sql} ELSE '' END,
                'EUR',
                ordered_at,
                ordered_at + interval '2 minutes',
                ordered_at + interval '1 day',
                (%(fc_names)s::text[])[fc], '', '',
                (%(fc_streets)s::text[])[fc], '', '', '',
                (%(fc_postal)s::text[])[fc],
                (%(fc_cities)s::text[])[fc],
                'DE',
                '{{}}'::jsonb
            FROM with_status
            ORDER BY i  -- ids follow the order numbers, as with a live import
            RETURNING id
        )
        INSERT INTO orders_orderrow (
            order_id, position, sku, ean, asin, title, quantity, unit_price, vat_tariff_id,
            price_unit, list_price_unit
        )
        SELECT
            o.id,
            p.position,
            (%(skus)s::text[])[1 + (o.id + p.position) %% cardinality(%(skus)s::text[])],
            (%(eans)s::text[])[1 + (o.id + p.position) %% cardinality(%(skus)s::text[])],
            (%(asins)s::text[])[1 + (o.id + p.position) %% cardinality(%(skus)s::text[])],
            (%(titles)s::text[])[1 + (o.id + p.position) %% cardinality(%(skus)s::text[])],
            (%(quantities)s::int[])[1 + floor(random() * cardinality(%(quantities)s::int[]))::int],
            (%(prices)s::numeric[])[1 + (o.id + p.position) %% cardinality(%(skus)s::text[])],
            {vat},
            '', ''
        FROM new_orders AS o
        CROSS JOIN LATERAL generate_series(
            1, CASE WHEN o.id %% 10 < 5 THEN 1 WHEN o.id %% 10 < 8 THEN 2 ELSE 3 END
        ) AS p(position)
    """


def catalogue_params() -> dict[str, Any]:
    """Products and fulfillment centers from the demo data, as SQL array parameters."""
    from orders.demo import FULFILLMENT_CENTERS, PRODUCTS

    return {
        "eans": [p[0] for p in PRODUCTS],
        "asins": [p[1] for p in PRODUCTS],
        "skus": [p[2] for p in PRODUCTS],
        "titles": [p[3] for p in PRODUCTS],
        "prices": [p[4] for p in PRODUCTS],
        "quantities": QUANTITIES,
        "fc_names": [fc[0] for fc in FULFILLMENT_CENTERS],
        "fc_streets": [fc[1] for fc in FULFILLMENT_CENTERS],
        "fc_postal": [fc[2] for fc in FULFILLMENT_CENTERS],
        "fc_cities": [fc[3] for fc in FULFILLMENT_CENTERS],
    }


def load_orders(shop, total: int, end: datetime, *, progress: bool) -> None:
    """Insert `total` orders (and their rows) for `shop` in batches of LOAD_BATCH."""
    from django.db import connection

    statement = insert_orders_sql(shop)
    params = catalogue_params() | {
        "shop_id": shop.pk,
        "end": end,
        "history": HISTORY,
        "total": total,
    }
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for lo in range(1, total + 1, LOAD_BATCH):
            hi = min(lo + LOAD_BATCH - 1, total)
            cursor.execute(statement, params | {"lo": lo, "hi": hi})
            if progress:
                rate = hi / (time.perf_counter() - started)
                print(f"  {shop.name}: {hi:>10,} / {total:,} orders ({rate:,.0f}/s)", flush=True)


def order_counts(shops: BenchShops) -> dict[int, int]:
    from django.db.models import Count

    from orders.models import Order

    ids = [shops.shop.pk, *(s.pk for s in shops.others)]
    counts = dict(
        Order.objects.filter(shop_id__in=ids)
        .values("shop_id")
        .annotate(n=Count("id"))
        .values_list("shop_id", "n")
    )
    return {pk: counts.get(pk, 0) for pk in ids}


def delete_bench_orders(shop_ids: list[int]) -> None:
    """Remove the bench shops' orders (children first) so a reload starts clean."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("orders_creditrow", "orders_orderparameter", "orders_orderrow"):
            cursor.execute(
                f"DELETE FROM {table} WHERE order_id IN "
                "(SELECT id FROM orders_order WHERE shop_id = ANY(%s))",
                [shop_ids],
            )
        cursor.execute("DELETE FROM orders_order WHERE shop_id = ANY(%s)", [shop_ids])


def vacuum_analyze() -> None:
    """Fresh statistics for the planner and a current visibility map for index-only scans."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) orders_order, orders_orderrow")
        cursor.execute("ANALYZE")


@dataclass
class LoadReport:
    reused: bool
    seconds: float  # time spent inserting (0 when reused)
    vacuum_seconds: float
    orders: dict[str, int]
    order_rows: int


def ensure_orders(shops: BenchShops, total: int, *, reload: bool) -> LoadReport:
    """Reuse the loaded orders when the counts match the request, else (re)load them.

    The counts must match exactly: figures measured on another volume than the one asked
    for would be misleading. Loading runs in one transaction, so an interrupted load leaves
    nothing behind and the next run simply loads again.
    """
    from django.db import connection, transaction

    from orders.models import OrderRow

    wanted = {shops.shop.pk: total} | {s.pk: OTHER_SHOP_ORDERS for s in shops.others}
    names = {shops.shop.pk: shops.shop.name} | {s.pk: s.name for s in shops.others}
    counts = order_counts(shops)
    reused = counts == wanted and not reload
    load_seconds = vacuum_seconds = 0.0
    if reused:
        print(f"Reusing {counts[shops.shop.pk]:,} orders already loaded (--reload to redo).")
    else:
        print(f"Loading {total:,} orders for {shops.shop.name} (+ small shops) ...", flush=True)
        # One fixed end point per load; scenarios derive their dates from the data.
        end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        started = time.perf_counter()
        with transaction.atomic():
            delete_bench_orders(list(wanted))
            with connection.cursor() as cursor:
                cursor.execute("SELECT setseed(0.42)")  # same data on every load
            for shop in [shops.shop, *shops.others]:
                load_orders(shop, wanted[shop.pk], end, progress=shop is shops.shop)
        load_seconds = time.perf_counter() - started
        print(f"Loaded in {load_seconds:.1f} s; VACUUM ANALYZE ...", flush=True)
        started = time.perf_counter()
        vacuum_analyze()
        vacuum_seconds = time.perf_counter() - started
        print(f"VACUUM ANALYZE took {vacuum_seconds:.1f} s", flush=True)
        counts = order_counts(shops)
    return LoadReport(
        reused=reused,
        seconds=round(load_seconds, 2),
        vacuum_seconds=round(vacuum_seconds, 2),
        orders={names[pk]: n for pk, n in counts.items()},
        order_rows=OrderRow.objects.filter(order__shop=shops.shop).count(),
    )


# --- Scenarios ---------------------------------------------------------------------------


@dataclass
class Scenario:
    """A named grid request; several URLs (e.g. successive pages) are cycled through."""

    name: str
    urls: list[str]
    next_index: int = 0
    timings_ms: list[float] = field(default_factory=list)
    queries: int = 0
    main_query: str = ""
    query_log: list[str] = field(default_factory=list)  # start of each query, for the JSON
    explain: dict[str, Any] | None = None

    def next_url(self) -> str:
        url = self.urls[self.next_index % len(self.urls)]
        self.next_index += 1
        return url


@contextlib.contextmanager
def instrumented_templates() -> Iterator[None]:
    """Let the test client expose response.context, only while walking cursors.

    The timed requests run without this instrumentation, as in production.
    """
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    try:
        yield
    finally:
        teardown_test_environment()


def get_ok(client, url: str, headers: dict[str, str] | None = None):
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    return response


def cursor_chain(client, base_url: str, query: dict[str, str], depth: int) -> list[str]:
    """URLs of pages 2..depth+1 reached by following "Older →", then one "← Newer" page."""
    urls = []
    params = dict(query)
    with instrumented_templates():
        for _ in range(depth):
            page = get_ok(client, f"{base_url}?{urlencode(params)}").context["page"]
            if page.older is None:
                break
            params = query | {"after": page.older.encode()}
            urls.append(f"{base_url}?{urlencode(params)}")
        page = get_ok(client, urls[-1]).context["page"]
        assert page.newer is not None, "a deep page must link to newer orders"
        urls.append(f"{base_url}?{urlencode(query | {'before': page.newer.encode()})}")
    return urls


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    return first, next_month - timedelta(days=1)


def build_scenarios(client, shop) -> list[Scenario]:
    """The request mix: what staff actually do on the grid, cheap and expensive alike."""
    from django.db.models import Max
    from django.urls import reverse

    from orders.models import Order
    from shops.models import OrderStatus, PaymentStatus

    base = reverse("orders:order-list", args=[shop.pk])
    newest = Order.objects.filter(shop=shop).aggregate(m=Max("ordered_at"))["m"].date()
    total = Order.objects.filter(shop=shop).count()
    statuses = {s.name: s.pk for s in OrderStatus.objects.filter(shop=shop)}
    payments = {s.name: s.pk for s in PaymentStatus.objects.filter(shop=shop)}
    month_from, month_to = month_bounds(newest - timedelta(days=365))
    day = newest - timedelta(days=180)
    # An Amazon order from the middle of the history, found through the number index.
    sample = (
        Order.objects.filter(shop=shop, channel="amazon_1p", number__gte=f"PO{total // 2:08d}")
        .order_by("number")
        .first()
    )

    def url(**query: Any) -> str:
        return f"{base}?{urlencode(query)}" if query else base

    scenarios = [Scenario("first page", [base])]
    scenarios += [Scenario(f"status={name}", [url(status=pk)]) for name, pk in statuses.items()]
    scenarios += [Scenario(f"payment={name}", [url(payment=pk)]) for name, pk in payments.items()]
    scenarios += [
        Scenario("purchase_type=bulk_buy", [url(purchase_type="bulk_buy")]),
        Scenario("purchase_type=none", [url(purchase_type="none")]),
        Scenario("channel=manual", [url(channel="manual")]),
        Scenario("channel=amazon_1p", [url(channel="amazon_1p")]),
        Scenario("date: one month", [url(date_from=month_from, date_to=month_to)]),
        Scenario("date: one day", [url(date_from=day, date_to=day)]),
        Scenario("search: full number", [url(q=sample.number)]),
        Scenario("search: external ref", [url(q=sample.external_reference)]),
        # Numbers are PO + 8 digits in time order, so a prefix picks a block of orders from
        # the same weeks: 'PO' + 6 digits matches 100 orders, 'PO' + 4 digits 10,000 (from
        # 1.5 years ago), 'PO000' the oldest 100,000 and 'PO0' all of them (at 1M orders).
        Scenario("search: prefix, 100 matches", [url(q=sample.number[:8])]),
        Scenario("search: prefix, 10k old matches", [url(q=sample.number[:6])]),
        Scenario("search: prefix PO000 (oldest)", [url(q="PO000")]),
        Scenario("search: prefix PO0 (all)", [url(q="PO0")]),
        Scenario("search: no match", [url(q="PX")]),
        Scenario("search + status", [url(q=sample.number[:6], status=statuses["Completed"])]),
        Scenario(
            "status+channel+month",
            [
                url(
                    status=statuses["Completed"],
                    channel="manual",
                    date_from=month_from,
                    date_to=month_to,
                )
            ],
        ),
        Scenario(
            "status+payment+purchase",
            [url(status=statuses["Shipped"], payment=payments["Unpaid"], purchase_type="weekly")],
        ),
        # Staff looking for anomalies: a combination that matches nothing.
        Scenario(
            "status+payment, no match",
            [url(status=statuses["Cancelled"], payment=payments["Paid"])],
        ),
        Scenario("htmx partial: first page", [base]),  # the request a filter change sends
    ]
    chain = cursor_chain(client, base, {}, CURSOR_DEPTH)
    scenarios.append(Scenario(f"after cursor: pages 2-{len(chain)}", chain[:-1]))
    scenarios.append(Scenario("before cursor", chain[-1:]))
    cancelled = {"status": str(statuses["Cancelled"])}
    chain = cursor_chain(client, base, cancelled, CURSOR_DEPTH)
    scenarios.append(Scenario(f"status=Cancelled + after: pages 2-{len(chain)}", chain[:-1]))
    return scenarios


def is_htmx(scenario: Scenario) -> bool:
    return scenario.name.startswith("htmx")


def request(client, scenario: Scenario) -> float:
    """One timed request/response of the scenario, in milliseconds."""
    url = scenario.next_url()
    headers = {"HX-Request": "true"} if is_htmx(scenario) else {}
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, f"GET {url} answered {response.status_code}"
    return elapsed


def capture_queries(client, scenario: Scenario) -> None:
    """Count the SQL queries of one request and keep the main grid query for EXPLAIN."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HX-Request": "true"} if is_htmx(scenario) else {}
    with CaptureQueriesContext(connection) as captured:
        get_ok(client, scenario.urls[0], headers)
    scenario.queries = len(captured.captured_queries)
    scenario.query_log = [q["sql"][:160] for q in captured.captured_queries]
    # The grid query reads orders_order with a LIMIT (the page); if a selector ever issues
    # several, the one that took longest is the one worth explaining.
    grid = [
        q
        for q in captured.captured_queries
        if 'FROM "orders_order"' in q["sql"] and "LIMIT" in q["sql"]
    ]
    scenario.main_query = max(grid, key=lambda q: float(q["time"]))["sql"] if grid else ""


def run(client, scenarios: list[Scenario], total_requests: int) -> None:
    """Warm up with every URL once, then time `total_requests` requests round-robin."""
    for scenario in scenarios:
        for _ in scenario.urls:
            request(client, scenario)
        scenario.next_index = 0
    for i in range(total_requests):
        scenario = scenarios[i % len(scenarios)]
        scenario.timings_ms.append(request(client, scenario))


# --- Results -----------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least pct % of values at or below.

    With few samples per scenario this errs towards the slow end (p95 of 8 samples is the
    maximum), which is the safe side for a budget.
    """
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(percentile(values, 50), 2),
        "p95": round(percentile(values, 95), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values), 2),
    }


def explain(sql: str) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of a grid query: the text plan and its headline numbers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        text = "\n".join(row[0] for row in cursor.fetchall())
    root = plan[0]["Plan"]
    indexes, nodes = [], []

    def walk(node: dict[str, Any]) -> None:
        nodes.append(node["Node Type"])
        if "Index Name" in node:
            indexes.append(node["Index Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(root)
    return {
        "execution_ms": plan[0]["Execution Time"],
        "planning_ms": plan[0]["Planning Time"],
        "nodes": nodes,
        "indexes": indexes,
        "shared_hit_blocks": root.get("Shared Hit Blocks", 0),
        "shared_read_blocks": root.get("Shared Read Blocks", 0),
        "text": text,
    }


def environment() -> dict[str, Any]:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('shared_buffers')")
        pg_version, shared_buffers = cursor.fetchone()

    def git(*args: str) -> str:
        try:
            out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True)
        except OSError:
            return ""
        return out.stdout.strip()

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg_version,
        "shared_buffers": shared_buffers,
        "cpu_count": os.cpu_count(),
        # Timings on a shared machine are only as good as its idle CPU: keep the load.
        "load_average": os.getloadavg(),
        "machine": platform.platform(),
        "git_commit": git("rev-parse", "HEAD"),
        # Others edit the tree concurrently: record which files differed from the commit.
        "git_dirty_files": git("status", "--porcelain").splitlines(),
    }


def print_table(scenarios: list[Scenario], overall: dict[str, float]) -> None:
    width = max(len(s.name) for s in scenarios) + 2
    header = (
        f"{'scenario':<{width}}{'n':>5}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}"
        f"{'queries':>9}{'SQL ms':>9}"
    )
    print()
    print(header)
    print("-" * len(header))
    for s in scenarios:
        stats = summary(s.timings_ms)
        flag = "  <-- over budget" if stats["p95"] >= BUDGET_P95_MS else ""
        sql_ms = s.explain["execution_ms"] if s.explain else float("nan")
        print(
            f"{s.name:<{width}}{stats['n']:>5}{stats['p50']:>9.1f}{stats['p95']:>9.1f}"
            f"{stats['p99']:>9.1f}{stats['max']:>9.1f}{s.queries:>9}{sql_ms:>9.2f}{flag}"
        )
    print("-" * len(header))
    print(
        f"{'OVERALL':<{width}}{overall['n']:>5}{overall['p50']:>9.1f}{overall['p95']:>9.1f}"
        f"{overall['p99']:>9.1f}{overall['max']:>9.1f}"
    )
    print("(milliseconds per full request/response; SQL ms = EXPLAIN ANALYZE of the grid query)")


def redacted(database_url: str) -> str:
    """The database URL without its password, for the results file."""
    parts = urlsplit(database_url)
    if not parts.password:
        return database_url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_environment(args.database_url)
    if ensure_database(args.database_url):
        print("Created the bench database.")
    setup_django()
    migrate()

    from django.test import Client

    shops = ensure_shops()
    load = ensure_orders(shops, args.orders, reload=args.reload)

    client = Client()
    client.force_login(shops.user)
    scenarios = build_scenarios(client, shops.shop)
    for scenario in scenarios:
        capture_queries(client, scenario)
        scenario.explain = explain(scenario.main_query) if scenario.main_query else None
    print(f"Timing {args.requests} requests over {len(scenarios)} scenarios ...", flush=True)
    run(client, scenarios, args.requests)

    timed = [s for s in scenarios if s.timings_ms]
    overall = summary([ms for s in timed for ms in s.timings_ms])
    print_table(timed, overall)
    slowest = max(timed, key=lambda s: summary(s.timings_ms)["p95"])
    if slowest.explain:
        print(
            f"\nEXPLAIN (ANALYZE, BUFFERS) of the grid query in the slowest scenario, "
            f"{slowest.name!r}:\n{slowest.main_query}\n\n{slowest.explain['text']}"
        )

    passed = overall["p95"] < BUDGET_P95_MS
    result = {
        "requirement": "orders grid p95 < 150 ms with 1,000,000 orders",
        "passed": passed,
        "arguments": {"orders": args.orders, "requests": args.requests},
        "database": redacted(args.database_url),
        "environment": environment(),
        "load": load.__dict__,
        "overall_ms": overall,
        "slowest_scenario": slowest.name,
        "scenarios": [
            {
                "name": s.name,
                "urls": s.urls,
                "ms": summary(s.timings_ms),
                "timings_ms": [round(ms, 3) for ms in s.timings_ms],
                "queries_per_request": s.queries,
                "queries": s.query_log,
                "main_query": s.main_query,
                "explain": s.explain,
            }
            for s in timed
        ],
    }
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"orders_grid-{stamp}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(f"\nResults: {os.path.relpath(path, Path.cwd())}")
    verdict = "PASS" if passed else "FAIL"
    print(f"{verdict}: overall p95 {overall['p95']:.1f} ms (budget < {BUDGET_P95_MS:.0f} ms)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
