"""Benchmark: importing a 5,000-row Bulk Buy Offer workbook must take under 3 seconds.

    .venv/bin/python bench/offer_import.py [--rows 5000] [--products 5000] [--repeat 5]
        [--database-url postgres://postgres@127.0.0.1:5432/shopctrl_bench_offers]

Needs PostgreSQL on 127.0.0.1:5432 (the database is created if missing; its name must
contain "bench"). What it does:

1. Production-like settings (DEBUG off), `migrate`, a bench shop created through
   `shops.services.shop_create` with a catalogue of `--products` products (EAN, ASIN, SKU,
   title), loaded once through `orders.catalogue.products_fill_from_rows`.
2. Builds, untimed, an offer workbook of `--rows` rows with openpyxl as Amazon's would
   look: a title line above the header, columns in Amazon's order plus Approved and
   Comment, EANs as number cells (as Excel keeps them), two delivery stages on every
   other row, dates as date cells.
3. Times `bulkbuy.services.offer_import` (read the xlsx, check and match every row, save
   the offer and its rows in one transaction) `--repeat` times, and once more through
   the upload page (multipart POST through the whole middleware stack, as a browser does).
   Also times reading the sheet alone, to show where the time goes.
4. Prints the figures, writes bench/results/offer_import-<time>.json and exits 1 when the
   median service time is 3 s or more.
"""

import argparse
import io
import json
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from orders_grid import (  # noqa: E402
    configure_environment,
    ensure_database,
    environment,
    migrate,
    redacted,
    setup_django,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/shopctrl_bench_offers"
BUDGET_SECONDS = 3.0
BENCH_USERNAME = "bench-offers"
BENCH_SHOP_NAME = "Bench Offers GmbH"
HEADERS = (
    "ASIN",
    "EAN",
    "Product title",
    "Unit cost",
    "Currency",
    "Delivery window 1 start",
    "Delivery window 1 end",
    "Delivery window 1 quantity",
    "Delivery window 2 start",
    "Delivery window 2 end",
    "Delivery window 2 quantity",
    "Approved",
    "Comment",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=5_000, help="rows in the offer workbook")
    parser.add_argument("--products", type=int, default=5_000, help="products in the catalogue")
    parser.add_argument("--repeat", type=int, default=5, help="timed imports; median checked")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--no-dimension",
        action="store_true",
        help="write the sheet without its <dimension> element (openpyxl write-only mode)",
    )
    args = parser.parse_args()
    if not 1 <= args.rows <= args.products:
        parser.error("--rows must be between 1 and --products (each row is another product)")
    return args


def ean(n: int) -> str:
    return f"5{n:012d}"


def asin(n: int) -> str:
    return f"B{n:09d}"


def ensure_shop_and_catalogue(products: int):
    """The bench user and shop (through the services) and its catalogue (idempotent)."""
    from django.contrib.auth import get_user_model

    from orders.catalogue import products_fill_from_rows
    from orders.models import Product
    from shops.models import Shop
    from shops.services import shop_create

    user, _ = get_user_model().objects.get_or_create(username=BENCH_USERNAME)
    shop = Shop.objects.filter(name=BENCH_SHOP_NAME, memberships__user=user).first()
    if shop is None:
        shop = shop_create(actor=user, name=BENCH_SHOP_NAME, currency="EUR", country="DE")
    have = Product.objects.filter(shop=shop).count()
    if have < products:
        started = time.perf_counter()
        for start in range(1, products + 1, 2_000):
            batch = range(start, min(start + 2_000, products + 1))
            products_fill_from_rows(shop, [(ean(n), asin(n), f"Bench product {n}") for n in batch])
        print(f"Catalogue: {products:,} products in {time.perf_counter() - started:.2f} s")
    return user, shop


def build_workbook(rows: int, *, no_dimension: bool = False) -> bytes:
    """Amazon's offer sheet with `rows` product rows.

    Built in openpyxl's normal mode, which (as Excel does) writes the sheet's <dimension>
    element. Without it (openpyxl's write-only mode) openpyxl's read-only reader scans the
    whole sheet once more to size it: about +0.5 s at 5,000 rows (`--no-dimension`).
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=no_dimension)
    sheet = workbook.create_sheet("Bulk Buy Offer")
    if not no_dimension:
        workbook.remove(workbook.worksheets[0])  # the default empty sheet
    sheet.append(["Bulk Buy Offer BB-BENCH for vendor VNDR1"])
    sheet.append(list(HEADERS))
    first = date(2027, 3, 1)
    for n in range(1, rows + 1):
        start = first + timedelta(days=7 * (n % 4))
        two_stages = n % 2 == 0
        sheet.append(
            [
                asin(n),
                int(ean(n)),  # Excel keeps EANs as numbers
                f"Bench product {n} – stainless steel, 1.7 l, {n % 7 + 1} colours",
                float(Decimal(5 + n % 50) + Decimal("0.49")),
                "EUR",
                start,
                start + timedelta(days=6),
                12 * (1 + n % 20),
                start + timedelta(days=28) if two_stages else None,
                start + timedelta(days=34) if two_stages else None,
                6 * (1 + n % 10) if two_stages else None,
                ("yes", "no", None)[n % 3],
                "check stock" if n % 5 == 0 else None,
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main() -> int:
    args = parse_args()
    configure_environment(args.database_url)
    if ensure_database(args.database_url):
        print("Created the bench database.")
    setup_django()
    migrate()

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bulkbuy.models import Offer
    from bulkbuy.services import offer_import
    from bulkbuy.workbook import read_offer_sheet

    user, shop = ensure_shop_and_catalogue(args.products)
    Offer.objects.filter(shop=shop).delete()  # earlier runs' offers
    content = build_workbook(args.rows, no_dimension=args.no_dimension)
    print(f"Workbook: {args.rows:,} rows, {len(content) / 1024:.0f} KiB")

    def upload() -> SimpleUploadedFile:
        return SimpleUploadedFile("BB-BENCH.xlsx", content)

    with CaptureQueriesContext(connection) as captured:  # warm-up: imports, caches, plans
        offer_import(actor=user, shop=shop, upload=upload())
    queries = len(captured)
    parse_seconds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        read_offer_sheet(content)
        parse_seconds.append(time.perf_counter() - started)
    seconds = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        offer = offer_import(actor=user, shop=shop, upload=upload())
        seconds.append(time.perf_counter() - started)
        assert offer.row_count == args.rows, offer.row_count

    client = Client()
    client.force_login(user)
    client.get(reverse("bulkbuy:offer-list", args=[shop.pk]))  # first-request setup, untimed
    started = time.perf_counter()
    response = client.post(reverse("bulkbuy:offer-upload", args=[shop.pk]), {"file": upload()})
    page_seconds = time.perf_counter() - started
    assert response.status_code == 302, response.status_code

    median = statistics.median(seconds)
    passed = median < BUDGET_SECONDS
    report = {
        "requirement": f"import a {args.rows:,}-row offer workbook in under {BUDGET_SECONDS} s",
        "passed": passed,
        "arguments": {
            "rows": args.rows,
            "products": args.products,
            "repeat": args.repeat,
            "no_dimension": args.no_dimension,
        },
        "database": redacted(args.database_url),
        "workbook_kib": round(len(content) / 1024, 1),
        "service_seconds": {
            "median": round(median, 3),
            "min": round(min(seconds), 3),
            "max": round(max(seconds), 3),
            "all": [round(s, 3) for s in seconds],
        },
        "read_sheet_seconds_median": round(statistics.median(parse_seconds), 3),
        "upload_page_seconds": round(page_seconds, 3),
        "queries_per_import": queries,
        "rows_per_second": round(args.rows / median),
        "environment": environment(),
    }
    print(
        f"offer_import of {args.rows:,} rows: median {median:.3f} s (min {min(seconds):.3f}, "
        f"max {max(seconds):.3f}; {queries} queries); reading the sheet alone "
        f"{report['read_sheet_seconds_median']:.3f} s; through the upload page "
        f"{page_seconds:.3f} s. Target < {BUDGET_SECONDS} s: {'PASS' if passed else 'FAIL'}"
    )
    out = ROOT / "bench" / "results" / f"offer_import-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"Results: {out.relative_to(ROOT)}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
