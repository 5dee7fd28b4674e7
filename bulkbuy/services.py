"""Writes and workflows for Bulk Buy Offers. This slice: importing Amazon's offer workbook."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import PurePath
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from amazon1p.importing.fastpaths import copy_rows
from bulkbuy.models import Offer, OfferEvent, OfferEventAction, OfferRow
from bulkbuy.workbook import (
    LABELS,
    CellError,
    OfferSheet,
    cell_date,
    cell_decimal,
    cell_quantity,
    cell_text,
    cell_yes_no,
    read_offer_sheet,
)
from core.errors import ShopCtrlError
from orders.catalogue import ean_variants, gtin_key, normalize_asin, normalize_ean
from orders.models import Product
from shops.audit import audit_record
from shops.models import Shop

ROW_VALUE_FIELDS = (
    "unit_cost",
    "currency",
    "stage1_from",
    "stage1_to",
    "stage1_qty",
    "stage2_from",
    "stage2_to",
    "stage2_qty",
    "approved",
    "comment",
)
MAX_OFFER_VALUE = Decimal(10) ** 14  # Offer.value: 18 digits, 4 of them decimals
# Amazon's offers expire 7 days after creation (docs/amazon.md, "Bulk Buy Offers").
OFFER_LIFETIME = timedelta(days=7)
LOOKUP_CHUNK = 2_000  # rows per product lookup: keeps each query's IN lists moderate


class OfferImportError(ShopCtrlError):
    """Rows of the file are wrong; `problems` lists each with its sheet row number.
    Nothing was imported."""

    def __init__(self, message: str, *, problems: list[str]) -> None:
        super().__init__(message, field="file")
        self.problems = problems


@dataclass
class _Row:
    number: int
    ean: str
    asin: str
    title: str
    values: dict[str, Any] = field(default_factory=dict)
    product_id: int | None = None


def _cell(cells: tuple[Any, ...], columns: dict[str, int], name: str) -> Any:
    index = columns.get(name)
    return cells[index] if index is not None and index < len(cells) else None


def _read_rows(sheet: OfferSheet, default_currency: str) -> tuple[list[_Row], list[str]]:
    """Typed rows and the problems of each (all of them, not only the first)."""
    rows: list[_Row] = []
    problems: list[str] = []
    cols = sheet.columns
    for number, cells in sheet.rows:
        row_problems: list[str] = []
        read = partial(_read, cells, cols, row_problems)
        ean = normalize_ean(cell_text(_cell(cells, cols, "ean")))
        asin = normalize_asin(cell_text(_cell(cells, cols, "asin")))
        if not ean and not asin:
            row_problems.append("no EAN and no ASIN")
        if len(ean) > 14:
            row_problems.append(f"EAN “{ean[:20]}” is longer than 14 characters")
        if asin and len(asin) != 10:
            row_problems.append(f"ASIN “{asin[:20]}” is not 10 characters")
        currency = cell_text(_cell(cells, cols, "currency")).upper() or default_currency
        if not (len(currency) == 3 and currency.isalpha()):
            row_problems.append(f"Currency “{currency[:20]}” is not a 3-letter code such as EUR")
        values = {
            "unit_cost": read("unit_cost", cell_decimal),
            "currency": currency,
            "stage1_from": read("stage1_from", cell_date),
            "stage1_to": read("stage1_to", cell_date),
            "stage1_qty": read("stage1_qty", cell_quantity),
            "stage2_from": read("stage2_from", cell_date, False),
            "stage2_to": read("stage2_to", cell_date, False),
            "stage2_qty": read("stage2_qty", cell_quantity, False),
            "approved": read("approved", cell_yes_no, False),
            "comment": cell_text(_cell(cells, cols, "comment")),
        }
        _check_windows(values, cells, cols, row_problems)
        problems += [f"Row {number}: {problem}." for problem in row_problems]
        title = cell_text(_cell(cells, cols, "title"))[:500]
        rows.append(_Row(number=number, ean=ean, asin=asin, title=title, values=values))
    return rows, problems


def _read(
    cells: tuple[Any, ...],
    columns: dict[str, int],
    problems: list[str],
    name: str,
    convert: Callable[[Any], Any],
    required: bool = True,
) -> Any:
    """A cell through its converter; None (and a problem if required) when blank or wrong."""
    value = _cell(cells, columns, name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"{LABELS[name]} is empty")
        return None
    try:
        return convert(value)
    except CellError as error:
        problems.append(f"{LABELS[name]} {error}")
        return None


def _check_windows(
    values: dict[str, Any], cells: tuple[Any, ...], cols: dict[str, int], problems: list[str]
) -> None:
    start, end = values["stage1_from"], values["stage1_to"]
    if isinstance(start, date) and isinstance(end, date) and start > end:
        problems.append("Stage 1 ends before it starts")
    stage2_given = [
        not (_cell(cells, cols, name) is None or str(_cell(cells, cols, name)).strip() == "")
        for name in ("stage2_from", "stage2_to", "stage2_qty")
    ]
    if any(stage2_given) and not all(stage2_given):
        problems.append("Stage 2 needs a start, an end and a quantity, or none of them")
    start, end = values["stage2_from"], values["stage2_to"]
    if isinstance(start, date) and isinstance(end, date) and start > end:
        problems.append("Stage 2 ends before it starts")


def _match_products(shop: Shop, rows: list[_Row]) -> list[str]:
    """Set each row's product (by EAN, else ASIN); the problems of rows that match none,
    match two different products, or repeat a product of an earlier row."""
    problems: list[str] = []
    by_ean: dict[str, int] = {}
    by_asin: dict[str, int] = {}
    for start in range(0, len(rows), LOOKUP_CHUNK):
        chunk = rows[start : start + LOOKUP_CHUNK]
        eans = set().union(*(ean_variants(r.ean) for r in chunk if r.ean))
        asins = {r.asin for r in chunk if r.asin}
        found = (
            Product.objects.filter(
                (Q(ean__in=eans) & ~Q(ean="")) | (Q(asin__in=asins) & ~Q(asin="")), shop=shop
            )
            .values_list("id", "ean", "asin")
            .order_by()
        )
        for pk, ean, asin in found:
            if ean:
                by_ean.setdefault(gtin_key(ean), pk)
            if asin:
                by_asin[asin] = pk
    first_row: dict[int, int] = {}
    for row in rows:
        via_ean = by_ean.get(gtin_key(row.ean)) if row.ean else None
        via_asin = by_asin.get(row.asin) if row.asin else None
        if via_ean and via_asin and via_ean != via_asin:
            problems.append(
                f"Row {row.number}: EAN {row.ean} and ASIN {row.asin} belong to two different "
                "products."
            )
            continue
        row.product_id = via_ean or via_asin
        if row.product_id is None:
            if row.ean or row.asin:
                ids = " or ".join(
                    f"{label} {value}"
                    for label, value in (("EAN", row.ean), ("ASIN", row.asin))
                    if value
                )
                problems.append(f"Row {row.number}: no product with {ids}.")
            continue
        if row.product_id in first_row:
            problems.append(
                f"Row {row.number}: the same product as row {first_row[row.product_id]}."
            )
        else:
            first_row[row.product_id] = row.number
    return problems


def offer_import(*, actor: User, shop: Shop, upload: UploadedFile, name: str = "") -> Offer:
    """Create a draft offer from Amazon's offer workbook (xlsx).

    Reads the sheet in read-only mode, finds columns by their header names, checks every
    row (numbers, dates, windows, yes/no) and matches it to a catalogue product by EAN (as
    a GTIN, so dropped leading zeros still match) or ASIN. All or nothing: any problem
    raises OfferImportError listing every bad row by its sheet row number, and nothing is
    saved. A file that is not a readable offer sheet raises WorkbookError.

    Side effects: one Offer (status draft, expiring 7 days after creation, holding the
    original bytes and the header→column map), its OfferRows (one COPY), the first entry
    of its history (an OfferEvent "imported", with the file name and row count) and an
    audit entry. Not idempotent by design: uploading the same file twice makes two offers
    (the file's SHA-256 is stored to tell them apart).
    """
    content = upload.read()
    sheet = read_offer_sheet(content)
    rows, problems = _read_rows(sheet, shop.currency)
    problems += _match_products(shop, rows)
    currencies = sorted({r.values["currency"] for r in rows})
    if len(currencies) > 1:
        problems.append(f"The rows use several currencies ({', '.join(currencies)}); use one.")
    if problems:
        problems.sort(key=_row_of)
        raise OfferImportError(
            f"Nothing was imported: {len(problems)} problem{'s' * (len(problems) != 1)} "
            "in the file.",
            problems=problems,
        )
    now = timezone.now()
    value = sum(
        (
            r.values["unit_cost"] * (r.values["stage1_qty"] + (r.values["stage2_qty"] or 0))
            for r in rows
        ),
        Decimal(0),
    )
    if value >= MAX_OFFER_VALUE:
        raise OfferImportError(
            "Nothing was imported: the offer's total value is too large.",
            problems=[f"Σ unit cost × quantity is {value:,.2f}; check the quantities."],
        )
    filename = PurePath(upload.name or "offer.xlsx").name
    user = actor if actor.is_authenticated else None
    with transaction.atomic():
        offer = Offer.objects.create(
            shop=shop,
            name=(name.strip() or PurePath(filename).stem)[:200],
            source_file=content,
            source_name=filename[:255],
            source_sha256=hashlib.sha256(content).hexdigest(),
            sheet_name=sheet.sheet_name[:100],
            header_row=sheet.header_row,
            columns=sheet.columns,
            currency=currencies[0],
            value=value,
            row_count=len(rows),
            created_by=user,
            created_at=now,
            expires_at=now + OFFER_LIFETIME,
        )
        # COPY: at 5,000 rows, model instances and parameter lists cost more than the insert.
        copy_rows(
            OfferRow,
            ("offer_id", "row_number", "product_id", "ean", "asin", "title", *ROW_VALUE_FIELDS),
            (
                (
                    offer.pk,
                    r.number,
                    r.product_id,
                    r.ean,
                    r.asin,
                    r.title,
                    *(r.values[name] for name in ROW_VALUE_FIELDS),
                )
                for r in rows
            ),
        )
        # The history starts with the upload, so it shows who brought the file in. No stage:
        # the import comes before them. `count` is read like an approval step's row count.
        OfferEvent.objects.create(
            offer=offer,
            at=now,
            user=user,
            stage="",
            action=OfferEventAction.IMPORT,
            revision=offer.revision,
            changes={"file": filename[:200], "count": len(rows)},
        )
        audit_record(
            actor=actor,
            shop=shop,
            action="offer.import",
            target=offer,
            changes={"file": filename, "rows": len(rows), "value": str(value)},
        )
    return offer


def _row_of(problem: str) -> int:
    """The sheet row a problem names (0 for the file as a whole): a stable sort by it keeps
    each row's problems in column order."""
    number = problem.split(":", 1)[0].removeprefix("Row ")
    return int(number) if number.isdigit() else 0
