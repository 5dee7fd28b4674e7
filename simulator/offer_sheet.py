"""Reading a Bulk Buy offer workbook the way Amazon reads the file a vendor uploads back.

Amazon's offer is an xlsx sheet with a header row and per row ASIN, EAN, title, unit cost,
currency, one or two delivery stages (start, end, quantity) and the vendor's Approved
(yes/no) and Comment. Columns are found by header text (Amazon's names and common variants;
case, punctuation, bracketed notes such as "(EUR)" and "stage1"/"stage 1" do not matter), so
the file ShopCtrl exports — Amazon's own file with the final quantities — reads as it is.

This reader is the simulator's own: the simulator needs no database and must not share the
app's reading (a bug there would then go unnoticed here).
"""

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

MAX_ROWS = 20_000
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024  # refuses "zip bombs"; a 20,000-row offer is a few MB
HEADER_SEARCH_ROWS = 20  # Amazon may put title lines above the header
SHOWN_PROBLEMS = 10
_EXCEL_EPOCH = date(1899, 12, 30)
CENT = Decimal("0.01")


def _stage_names(n: int) -> dict[str, tuple[str, ...]]:
    prefixes = (f"stage {n}", f"delivery stage {n}", f"delivery window {n}", f"window {n}")
    words = {
        "from": ("start", "start date", "from", "begin"),
        "to": ("end", "end date", "to", "until"),
        "qty": ("quantity", "qty", "units"),
    }
    return {
        f"stage{n}_{part}": tuple(f"{p} {w}" for p in prefixes for w in names)
        for part, names in words.items()
    }


COLUMNS: dict[str, tuple[str, ...]] = {
    "asin": ("asin",),
    "ean": ("ean", "external id", "vendor product id", "ean upc", "gtin", "ean code", "upc"),
    "title": ("title", "product title", "product name", "item name", "description"),
    "unit_cost": ("unit cost", "cost", "cost price", "net cost", "unit price", "price"),
    "currency": ("currency", "currency code"),
    **_stage_names(1),
    **_stage_names(2),
    "approved": ("approved", "approve", "approval"),
}
LABELS = {
    "unit_cost": "Unit cost",
    "stage1_from": "Stage 1 start",
    "stage1_to": "Stage 1 end",
    "stage1_qty": "Stage 1 quantity",
    "stage2_from": "Stage 2 start",
    "stage2_to": "Stage 2 end",
    "stage2_qty": "Stage 2 quantity",
    "approved": "Approved",
}
REQUIRED = ("unit_cost", "stage1_from", "stage1_to", "stage1_qty")
_FIELD_BY_NAME = {name: field for field, names in COLUMNS.items() for name in names}
_YES = frozenset({"yes", "y", "true", "1", "x", "ja", "j", "oui", "si", "sí"})
_NO = frozenset({"no", "n", "false", "0", "nein", "non"})
_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y")


class OfferError(ValueError):
    """An upload Amazon would refuse (an unreadable file or row, a currency, vendor code or
    FC it does not know); `problems` lists the bad rows, if any. Nothing was created."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        shown = "; ".join(problems[:SHOWN_PROBLEMS])
        hidden = len(problems) - SHOWN_PROBLEMS
        more = f" (and {hidden} more)" if hidden > 0 else ""
        super().__init__(f"{message}: {shown}{more}" if problems else message)
        self.problems = list(problems)


@dataclass(frozen=True)
class Stage:
    """A delivery stage of a row: the delivery dates (inclusive) and the quantity in eaches."""

    start: date
    end: date
    quantity: int


@dataclass(frozen=True)
class OfferRow:
    """A row the vendor approved, with the stages that order something."""

    row: int  # as Excel numbers it
    asin: str
    ean: str
    title: str
    unit_cost: Decimal
    currency: str
    stages: dict[int, Stage]  # stage number (1, 2) → stage; only stages with quantity > 0


def normalize_header(value: Any) -> str:
    """'Unit Cost (EUR)' → 'unit cost'; 'Delivery_Window-1 Start' → 'delivery window 1 start'."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", str(value or "")).lower()
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an EAN typed as a number
    return str(value).strip()


def _quantity(value: Any) -> int:
    if value is None or _text(value) == "":
        return 0
    if isinstance(value, bool):
        raise ValueError("is not a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s\u00a0]", "", _text(value))
    if re.fullmatch(r"\d{1,3}([,.]\d{3})+", text):  # 1,200 or 1.200
        text = re.sub(r"[,.]", "", text)
    if not text.isdigit():
        raise ValueError("is not a whole number of 0 or more")
    return int(text)


def _amount(value: Any) -> Decimal:
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = re.sub(r"[\s\u00a0€$£]", "", _text(value))
        if "," in text and "." in text:  # the last separator is the decimal point
            last_comma = text.rfind(",") > text.rfind(".")
            text = text.replace(".", "").replace(",", ".") if last_comma else text.replace(",", "")
        try:
            number = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise ValueError("is not an amount") from None
    if not number.is_finite() or number <= 0:
        raise ValueError("is not an amount above 0")
    # A number cell holds 13.5 for €13.50: write cents as money is written, keep finer digits.
    cents = number.quantize(CENT)
    return cents if cents == number else number


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        return _EXCEL_EPOCH + timedelta(days=int(value))  # an Excel serial day number
    text = _text(value)[:10]
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError("is not a date (write it as 2026-12-01 or 01.12.2026)")


def _approved(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _YES:
        return True
    if text in _NO or text == "":  # blank: not decided, so not ordered
        return False
    raise ValueError("is neither yes nor no")


def _sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    if not content.startswith(b"PK"):
        raise OfferError("The body is not an xlsx workbook.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise OfferError("The workbook is far too large for an offer.")
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.active
            if sheet is None or not hasattr(sheet, "iter_rows"):
                raise OfferError("The workbook's active sheet holds no cells.")
            sheet.reset_dimensions()  # some writers store wrong dimensions
            return list(sheet.iter_rows(max_row=MAX_ROWS + HEADER_SEARCH_ROWS, values_only=True))
        finally:
            workbook.close()
    except OfferError:
        raise
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError):
        # openpyxl's ways of saying a part of the package is missing or damaged.
        raise OfferError("The workbook could not be read as xlsx.") from None


def _header(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    """(0-based header row, {field: column}) of the first row naming the required columns."""
    for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            field = _FIELD_BY_NAME.get(normalize_header(cell))
            if field is not None:
                columns.setdefault(field, index)
        if all(field in columns for field in REQUIRED) and ("asin" in columns or "ean" in columns):
            return number, columns
    raise OfferError(
        "No header row with the offer's columns (ASIN or EAN, Unit cost, Stage 1 start, "
        f"Stage 1 end, Stage 1 quantity) in the first {HEADER_SEARCH_ROWS} rows"
    )


def _row(number: int, cells: tuple[Any, ...], columns: dict[str, int]) -> OfferRow | None:
    """An approved row with what it orders, or None (declined, or nothing ordered)."""

    def cell(field: str) -> Any:
        index = columns.get(field)
        return cells[index] if index is not None and index < len(cells) else None

    def read(field: str, convert: Any) -> Any:
        try:
            return convert(cell(field))
        except ValueError as exc:
            shown = _text(cell(field))
            raise ValueError(f"Row {number}: {LABELS[field]} “{shown}” {exc}") from None

    if "approved" in columns and not read("approved", _approved):
        return None
    stages: dict[int, Stage] = {}
    for stage in (1, 2):
        if f"stage{stage}_qty" not in columns:
            continue
        quantity = read(f"stage{stage}_qty", _quantity)
        if quantity > 0:
            start = read(f"stage{stage}_from", _date)
            end = read(f"stage{stage}_to", _date)
            if end < start:
                raise ValueError(f"Row {number}: stage {stage} ends before it starts")
            stages[stage] = Stage(start, end, quantity)
    if not stages:
        return None
    asin, ean = _text(cell("asin")).upper(), _text(cell("ean"))
    if not asin and not ean:
        raise ValueError(f"Row {number}: neither ASIN nor EAN")
    return OfferRow(
        row=number,
        asin=asin,
        ean=ean,
        title=_text(cell("title")),
        unit_cost=read("unit_cost", _amount),
        currency=_text(cell("currency")).upper(),
        stages=stages,
    )


def read_offer(content: bytes) -> list[OfferRow]:
    """The approved rows of an offer workbook that order something, in sheet order.

    Raises OfferError when the file is not an offer or any row is unreadable (all bad
    rows are listed: Amazon refuses the upload as a whole).
    """
    rows = _sheet_rows(content)
    header_row, columns = _header(rows)
    data = rows[header_row + 1 :]
    if len(data) > MAX_ROWS:
        raise OfferError(f"The offer has more than {MAX_ROWS:,} rows.")
    ordered: list[OfferRow] = []
    problems: list[str] = []
    for number, cells in enumerate(data, start=header_row + 2):
        if all(_text(cell) == "" for cell in cells):
            continue
        try:
            row = _row(number, cells, columns)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if row is not None:
            ordered.append(row)
    if problems:
        raise OfferError("Rows Amazon cannot read", problems)
    return ordered
