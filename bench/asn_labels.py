"""Benchmark: shipment labels for 50 pallets and 1,000 cartons in one PDF in under 10 s.

Run from the repository root with the venv active:

    python bench/asn_labels.py [--pallets 50] [--cartons 1000] [--repeat 3]
        [--page-size 4x6|A4] [--verify 20] [--out labels.pdf]

What it does:

1. Builds the data untimed: 1,000 carton labels (1-5 products each, three POs) spread over
   50 pallets, with SSCCs from GS1's example company prefix 0614141.
2. Renders the default carton and pallet templates into one PDF with
   `asn.documents.render_shipment_labels` (the production path: sandboxed Django template,
   markup, layout, reportlab), `--repeat` times in this process; the first run includes
   loading the fonts and compiling the templates.
3. Prints each run (wall and CPU time, and the load average: on a shared 2-core machine other
   processes slow the wall time down), the median, the pages, the PDF size and the time per
   label; decodes the barcodes of `--verify` pages spread over the PDF (untimed, pypdfium2
   and zxing-cpp at 203 dpi) and checks each reads back exactly "00" + the label's SSCC as
   GS1-128.

Exit code 0 when the median is below 10 s and every decoded barcode matched, else 1.
Needs no database: Django is configured with minimal settings.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 10.0


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pallets", type=int, default=50)
    parser.add_argument("--cartons", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median counts")
    parser.add_argument("--page-size", choices=["4x6", "A4"], default="4x6")
    parser.add_argument("--verify", type=int, default=20, help="pages to decode (0: none)")
    parser.add_argument("--out", type=Path, help="write the PDF of the last run here")
    args = parser.parse_args(argv)
    if args.pallets < 1 or args.cartons < args.pallets:
        parser.error("need at least one pallet and at least one carton per pallet")
    return args


def setup_django() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(USE_TZ=True, TIME_ZONE="UTC")
    django.setup()


def build_data(pallet_count: int, carton_count: int):
    from asn.documents import CartonLabel, Item, PalletLabel
    from asn.documents.samples import SHIP_FROM, SHIP_TO
    from asn.gs1 import make_sscc

    prefix = "0614141"
    pos = ("8X7Y6Z5A", "1B2C3D4E", "9QRSTU7V")
    products = [
        Item(f"40063813{n:04d}{0}", f"Kitchen product {n} – stainless steel, 28 cm", 0)
        for n in range(40)
    ]
    cartons, pallets = [], []
    per_pallet = carton_count // pallet_count
    for index in range(carton_count):
        pallet = min(index // per_pallet, pallet_count - 1)
        items = tuple(
            Item(p.ean, p.title, 2 + (index + k) % 10)
            for k, p in enumerate(products[index % 37 : index % 37 + 1 + index % 5])
        )
        cartons.append(
            CartonLabel(
                sscc=make_sscc(prefix, 100_000 + index),
                ship_from=SHIP_FROM,
                ship_to=SHIP_TO,
                fc_code="WRO1",
                po_numbers=pos,
                carton_index=index + 1,
                carton_total=carton_count,
                items=items,
                weight_kg=Decimal("8.5") + index % 7,
                shipment_code="SHP-BENCH-0001",
                pallet_sscc=make_sscc(prefix, pallet, extension=3),
            )
        )
    for pallet in range(pallet_count):
        on_pallet = [c for c in cartons if c.pallet_sscc == make_sscc(prefix, pallet, extension=3)]
        pallets.append(
            PalletLabel(
                sscc=make_sscc(prefix, pallet, extension=3),
                ship_from=SHIP_FROM,
                ship_to=SHIP_TO,
                fc_code="WRO1",
                po_numbers=pos,
                pallet_index=pallet + 1,
                pallet_total=pallet_count,
                carton_count=len(on_pallet),
                weight_kg=sum(c.weight_kg for c in on_pallet) + 25,
                bill_of_lading="BOL-BENCH-1",
                shipment_code="SHP-BENCH-0001",
                unit_count=sum(c.unit_count for c in on_pallet),
                carrier="DHL Freight",
            )
        )
    return cartons, pallets


def verify(pdf: bytes, labels, page_size: str, pages_to_check: int) -> tuple[int, list[str]]:
    """Decode `pages_to_check` pages spread over the PDF; (barcodes checked, problems)."""
    import pypdfium2
    import zxingcpp

    per_page = 1 if page_size == "4x6" else 4
    document = pypdfium2.PdfDocument(pdf)
    total = len(document)
    step = max(total // max(pages_to_check, 1), 1)
    checked, problems = 0, []
    for page_number in list(range(0, total, step))[:pages_to_check]:
        on_page = labels[page_number * per_page : (page_number + 1) * per_page]
        expected = {lab.sscc for lab in on_page if lab is not None}
        image = document[page_number].render(scale=203 / 72).to_pil().convert("L")
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
        read = set()
        for barcode in found:
            if barcode.symbology_identifier != "]C1" or not barcode.bytes.startswith(b"00"):
                problems.append(f"page {page_number + 1}: not GS1-128 with AI 00: {barcode.text}")
                continue
            read.add(barcode.bytes[2:].decode())
        if read != expected:
            problems.append(
                f"page {page_number + 1}: expected {sorted(expected)}, read {sorted(read)}"
            )
        checked += len(read)
    document.close()
    return checked, problems


def main(argv=None) -> int:
    args = parse_args(argv)
    setup_django()
    from asn.documents import default_template, render_shipment_labels

    cartons, pallets = build_data(args.pallets, args.cartons)
    carton_template = default_template("carton_label")
    pallet_template = default_template("pallet_label")
    print(
        f"ASN labels: {len(cartons)} carton + {len(pallets)} pallet labels in one PDF, "
        f"page size {args.page_size}, {args.repeat} runs"
    )
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {os.getloadavg()}")
    times, cpu_times = [], []
    pdf = b""
    for run in range(1, args.repeat + 1):
        cpu_started = time.process_time()
        started = time.perf_counter()
        pdf = render_shipment_labels(
            carton_template, cartons, pallet_template, pallets, page_size=args.page_size
        )
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        times.append(elapsed)
        cpu_times.append(cpu)
        per_label = elapsed / (len(cartons) + len(pallets)) * 1000
        print(
            f"  run {run}: {elapsed:6.2f} s wall, {cpu:6.2f} s CPU  ({per_label:.2f} ms/label), "
            f"load {os.getloadavg()[0]:.2f}"
        )
    median = statistics.median(times)
    print(f"median CPU time {statistics.median(cpu_times):.2f} s (other processes do not count)")
    import pypdfium2

    pages = len(pypdfium2.PdfDocument(pdf))
    print(
        f"median {median:.2f} s (budget {BUDGET_S:.0f} s); {pages} pages, {len(pdf) / 1e6:.2f} MB"
    )
    if args.out:
        args.out.write_bytes(pdf)
        print(f"wrote {args.out}")
    ok = median < BUDGET_S
    if args.verify:
        labels = list(cartons)
        if args.page_size == "A4" and len(cartons) % 4:
            labels += [None] * (4 - len(cartons) % 4)  # pallets start on a new sheet
        labels += list(pallets)
        checked, problems = verify(pdf, labels, args.page_size, args.verify)
        verdict = "all exact" if not problems else "MISMATCH"
        print(f"decoded {checked} barcodes on {args.verify} pages: {verdict}")
        for problem in problems:
            print("  " + problem)
        ok = ok and not problems
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
