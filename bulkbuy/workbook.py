"""Reading Amazon's Bulk Buy Offer workbook: find the header row, map columns by name,
and turn cells into typed values. Pure functions over bytes: no ORM, clock or settings.

Columns are found by their header text, not their position, so a reordered file or one
with extra columns still reads. Header text is compared after `normalize_header` against
the names in `COLUMNS`.
"""

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.worksheet import Worksheet

from bulkbuy.xlsx import Sheet, XlsxBook, XlsxError
from core.errors import ShopCtrlError
from core.spreadsheet import xlsx_text_cells

MAX_DATA_ROWS = 20_000
MAX_HEADER_COLUMNS = 200  # the header is looked for in the first 200 columns only
HEADER_SEARCH_ROWS = 20  # title lines Amazon may put above the header
MIN_HEADER_MATCHES = 3  # a row naming this many known columns is the header


def _stage_names(n: int) -> dict[str, tuple[str, ...]]:
    stage = (f"stage {n}", f"delivery stage {n}", f"delivery window {n}", f"window {n}")
    return {
        f"stage{n}_from": tuple(
            f"{s} {word}" for s in stage for word in ("start", "start date", "from", "begin")
        ),
        f"stage{n}_to": tuple(
            f"{s} {word}" for s in stage for word in ("end", "end date", "to", "until")
        ),
        f"stage{n}_qty": tuple(
            f"{s} {word}" for s in stage for word in ("quantity", "qty", "units")
        ),
    }


# Our field → accepted header names (already normalized). Amazon's template names first.
COLUMNS: dict[str, tuple[str, ...]] = {
    "asin": ("asin",),
    "ean": ("ean", "external id", "vendor product id", "ean upc", "gtin", "ean code", "upc"),
    "title": ("title", "product title", "product name", "item name", "description"),
    "unit_cost": ("unit cost", "cost", "cost price", "net cost", "unit price", "price"),
    "currency": ("currency", "currency code"),
    **_stage_names(1),
    **_stage_names(2),
    "approved": ("approved", "approve", "approval"),
    "comment": ("comment", "comments", "remark", "remarks", "note", "notes"),
}
LABELS: dict[str, str] = {
    "asin": "ASIN",
    "ean": "EAN",
    "title": "Title",
    "unit_cost": "Unit cost",
    "currency": "Currency",
    "stage1_from": "Stage 1 start",
    "stage1_to": "Stage 1 end",
    "stage1_qty": "Stage 1 quantity",
    "stage2_from": "Stage 2 start",
    "stage2_to": "Stage 2 end",
    "stage2_qty": "Stage 2 quantity",
    "approved": "Approved",
    "comment": "Comment",
}
REQUIRED = ("unit_cost", "currency", "stage1_from", "stage1_to", "stage1_qty")
STAGE2 = ("stage2_from", "stage2_to", "stage2_qty")
_BY_NAME = {name: field for field, names in COLUMNS.items() for name in names}


class WorkbookError(ShopCtrlError):
    """The upload is not an offer sheet we can read; nothing was imported."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


@dataclass(frozen=True)
class OfferSheet:
    sheet_name: str
    header_row: int  # 1-based, as Excel numbers rows
    columns: dict[str, int]  # field → 0-based column index
    rows: list[tuple[int, tuple[Any, ...]]]  # (sheet row number, cells) of non-empty rows


def normalize_header(value: Any) -> str:
    """'Unit Cost (EUR)' → 'unit cost'; 'Delivery_Window-1 Start' → 'delivery window 1 start'."""
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", str(value or "")).lower()
    text = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", text)  # 'stage1' → 'stage 1'
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def header_columns(cells: Sequence[Any]) -> tuple[dict[str, int], list[str]]:
    """{field: column index} of a header row, and the fields named by more than one column."""
    columns: dict[str, int] = {}
    twice: list[str] = []
    for index, cell in enumerate(cells):
        field = _BY_NAME.get(normalize_header(cell))
        if field is None:
            continue
        if field in columns:
            twice.append(field)
        else:
            columns[field] = index
    return columns, twice


def missing_columns(columns: dict[str, int]) -> list[str]:
    """Labels of the required columns the header lacks (empty when it has them all)."""
    missing = [LABELS[f] for f in REQUIRED if f not in columns]
    if "ean" not in columns and "asin" not in columns:
        missing.insert(0, "EAN or ASIN")
    if any(f in columns for f in STAGE2):
        missing += [LABELS[f] for f in STAGE2 if f not in columns]
    return missing


def _book(content: bytes) -> XlsxBook:
    if not content:
        raise WorkbookError("The file is empty.")
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise WorkbookError(
            "This is an old Excel 97–2003 (.xls) file: open it in Excel and save it as .xlsx."
        )
    if not content.startswith(b"PK"):
        raise WorkbookError("This is not an Excel workbook (.xlsx). Upload Amazon's offer file.")
    try:
        return XlsxBook(content)
    except XlsxError as error:
        raise WorkbookError(error.message) from None


def _find_header(book: XlsxBook, sheet: Sheet) -> tuple[int, dict[str, int], list[str]] | None:
    rows = book.rows(sheet, columns=MAX_HEADER_COLUMNS, max_row=HEADER_SEARCH_ROWS)
    for number, cells in rows:
        columns, twice = header_columns(cells)
        if len(columns) >= MIN_HEADER_MATCHES:
            return number, columns, twice
    return None


def read_offer_sheet(content: bytes) -> OfferSheet:
    """The offer sheet of an xlsx workbook: the first sheet (the active one first) whose
    first rows hold a header naming at least three known columns. Only the columns up to
    the last one the header names are read.

    Raises WorkbookError for a file that is not a readable xlsx (or is too large, or holds
    macros), has no header row, lacks required columns, names a column twice, or has no
    data rows, or more than MAX_DATA_ROWS.
    """
    with _book(content) as book:
        try:
            return _offer_sheet(book)
        except XlsxError as error:
            raise WorkbookError(error.message) from None


def _offer_sheet(book: XlsxBook) -> OfferSheet:
    sheets = [book.active, *(s for s in book.sheets if s != book.active)] if book.active else []
    for sheet in sheets:
        found = _find_header(book, sheet)
        if found is None:
            continue
        header_row, columns, twice = found
        if twice:
            names = ", ".join(sorted({LABELS[f] for f in twice}))
            raise WorkbookError(f"Row {header_row} names these columns twice: {names}.")
        missing = missing_columns(columns)
        if missing:
            raise WorkbookError(
                f"The header (row {header_row} of sheet “{sheet.name}”) lacks these "
                f"columns: {', '.join(missing)}."
            )
        rows = []
        width = max(columns.values()) + 1
        for row in book.rows(sheet, columns=width, min_row=header_row + 1):
            rows.append(row)
            if len(rows) > MAX_DATA_ROWS:
                raise WorkbookError(
                    f"The sheet has more than {MAX_DATA_ROWS:,} rows; split the offer."
                )
        if not rows:
            raise WorkbookError(f"The sheet “{sheet.name}” has a header but no rows of products.")
        return OfferSheet(sheet.name, header_row, columns, rows)
    if all(_is_empty(book, s) for s in sheets):
        raise WorkbookError("The workbook is empty: it has no header and no rows.")
    expected = ", ".join(LABELS[f] for f in ("asin", "ean", "unit_cost", *REQUIRED[1:]))
    raise WorkbookError(
        f"No header row found: none of the first {HEADER_SEARCH_ROWS} rows names the "
        f"offer's columns ({expected}, and optionally Title, Stage 2 …, Approved, Comment)."
    )


def _is_empty(book: XlsxBook, sheet: Sheet) -> bool:
    rows = book.rows(sheet, columns=MAX_HEADER_COLUMNS, max_row=HEADER_SEARCH_ROWS)
    return next(rows, None) is None


# --- Cells --------------------------------------------------------------------------------
# Each converter returns the value, or raises CellError with a message a person can act on.


class CellError(ValueError):
    pass


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # an id typed as a number
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _shown(value: Any) -> str:
    text = cell_text(value)
    return f"“{text[:40]}…”" if len(text) > 40 else f"“{text}”"


def cell_decimal(value: Any, *, places: int = 4) -> Decimal:
    """A non-negative amount: a number cell, or text such as '12.50', '12,50', '1.234,50'."""
    if isinstance(value, bool):
        raise CellError(f"{_shown(value)} is not an amount")
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        text = re.sub(r"[\s\u00a0€$£]", "", cell_text(value))
        if "," in text and "." in text:  # the last separator is the decimal point
            text = (
                text.replace(".", "").replace(",", ".")
                if text.rfind(",") > text.rfind(".")
                else text.replace(",", "")
            )
        else:
            text = text.replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise CellError(f"{_shown(value)} is not an amount") from None
    if not number.is_finite() or number < 0:
        raise CellError(f"{_shown(value)} is not an amount of 0 or more")
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if number >= Decimal(10) ** 8:
        raise CellError(f"{_shown(value)} is too large")
    return number


def cell_quantity(value: Any) -> int:
    """A whole number of units, 0 or more: 12, 12.0, '1,200', '1 200'."""
    if isinstance(value, bool):
        raise CellError(f"{_shown(value)} is not a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"{_shown(value)} is not a whole number")
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        text = re.sub(r"[\s\u00a0]", "", cell_text(value))
        if re.fullmatch(r"\d{1,3}([,.]\d{3})+", text):
            text = re.sub(r"[,.]", "", text)
        elif re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
        if not text.isdigit():
            raise CellError(f"{_shown(value)} is not a whole number")
        number = int(text)
    if number < 0:
        raise CellError(f"{_shown(value)} is below 0")
    if number > 2_000_000_000:
        raise CellError(f"{_shown(value)} is too large")
    return number


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y")


def cell_date(value: Any) -> date:
    """A date cell, an Excel serial number, or text as 2026-12-01, 01.12.2026 or 01/12/2026
    (day first, as Amazon's EU files write it)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2_958_466:  # 1900-01-01 … 9999-12-31
            return from_excel(value).date()
        raise CellError(f"{_shown(value)} is not a date")
    text = cell_text(value)
    if re.match(r"\d{4}-\d{2}-\d{2}[T ]", text):
        text = text[:10]  # an ISO date with a time
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(f"{_shown(value)} is not a date (write it as 2026-12-01 or 01.12.2026)")


_YES = frozenset({"yes", "y", "true", "1", "x", "ja", "j", "oui", "si", "sí"})
_NO = frozenset({"no", "n", "false", "0", "nein", "non"})


def cell_yes_no(value: Any) -> bool | None:
    """Approved: yes → True, no → False, blank → None (not decided)."""
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellError(f"{_shown(value)} is neither yes nor no")


# --- Stage files --------------------------------------------------------------------------
# A stage's rows to fill in offline. The head names the offer, the stage and the revision it
# was written at; an upload of a file older than the offer's current revision is refused.

STAGE_FILE_HEAD_ROWS = 4  # Offer, Stage, Revision, blank; the header follows
STAGE_FILE_HEADERS = (
    "Row",
    "EAN",
    "ASIN",
    "Title",
    "Offer qty 1",
    "Offer qty 2",
    "Approved qty 1",
    "Approved qty 2",
    "Quantity 1",
    "Quantity 2",
)


@dataclass(frozen=True)
class StageFileRow:
    row_number: int
    ean: str
    asin: str
    title: str
    offer_qty1: int
    offer_qty2: int | None
    approved_qty1: int | None  # approved so far: Manufacture's for Warehouse, else offered
    approved_qty2: int | None
    qty1: int | None
    qty2: int | None


@dataclass(frozen=True)
class StageFile:
    offer_id: int
    stage: str
    revision: int
    quantities: dict[int, tuple[int | None, int | None]]  # sheet row number → (qty1, qty2)
    problems: list[str]


def stage_file_write(
    *, offer_id: int, offer_name: str, stage: str, revision: int, rows: Sequence[StageFileRow]
) -> bytes:
    """An xlsx of a stage's rows: the head (offer, stage, revision), then one row each."""
    workbook = Workbook()
    # A new workbook has one worksheet (openpyxl types `active` as sheet-or-None).
    sheet = cast(Worksheet, workbook.active)
    sheet.title = "Stage"
    sheet.append(["Offer", offer_id, offer_name])
    sheet.append(["Stage", stage])
    sheet.append(["Revision", revision, "Do not edit the first three rows."])
    sheet.append([])
    sheet.append(list(STAGE_FILE_HEADERS))
    for row in rows:
        sheet.append(
            [
                row.row_number,
                row.ean,
                row.asin,
                row.title,
                row.offer_qty1,
                row.offer_qty2,
                row.approved_qty1,
                row.approved_qty2,
                row.qty1,
                row.qty2,
            ]
        )
    for line in sheet.iter_rows():  # names and titles come from users and Amazon's file
        xlsx_text_cells(line)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _whole(value: Any) -> int | None:
    try:
        return None if _is_blank(value) else cell_quantity(value)
    except CellError:
        return None


def _stage_rows(book: XlsxBook) -> dict[int, tuple[Any, ...]]:
    """{sheet row number: its ten cells} of the stage file's sheet, at most MAX_DATA_ROWS."""
    sheet = book.active or (book.sheets[0] if book.sheets else None)
    rows: dict[int, tuple[Any, ...]] = {}
    if sheet is None:
        return rows
    for number, cells in book.rows(sheet, columns=len(STAGE_FILE_HEADERS)):
        rows[number] = cells
        if len(rows) > MAX_DATA_ROWS + STAGE_FILE_HEAD_ROWS + 1:
            raise WorkbookError(f"The stage file has more than {MAX_DATA_ROWS:,} rows.")
    return rows


def stage_file_read(content: bytes) -> StageFile:
    """The head and the entered quantities of a stage file (blank = pending). Raises
    WorkbookError when the file is not a stage file; bad cells are listed in `problems`.
    Only the file's ten columns are read."""
    with _book(content) as book:
        try:
            rows = _stage_rows(book)
        except XlsxError as error:
            raise WorkbookError(error.message) from None
    head = {cell_text(r[0]).lower(): r[1] for n, r in rows.items() if n <= 3}
    offer_id, revision = _whole(head.get("offer")), _whole(head.get("revision"))
    if offer_id is None or revision is None or "stage" not in head:
        raise WorkbookError(
            "This is not a stage file: download the stage file from the offer page and fill "
            "in its Quantity columns."
        )
    header_row = STAGE_FILE_HEAD_ROWS + 1
    header = [cell_text(c) for c in rows.get(header_row, ())]
    if header[: len(STAGE_FILE_HEADERS)] != list(STAGE_FILE_HEADERS):
        raise WorkbookError("The stage file's columns were changed: download it again.")
    quantities: dict[int, tuple[int | None, int | None]] = {}
    problems: list[str] = []
    for number, line in sorted(rows.items()):
        if number <= header_row:
            continue
        row_number = _whole(line[0])
        if row_number is None:
            problems.append(f"Row {number}: the Row cell is not an offer row number.")
            continue
        values: list[int | None] = []
        for index in (8, 9):
            value = line[index]
            try:
                values.append(None if _is_blank(value) else cell_quantity(value))
            except CellError as error:
                problems.append(f"Row {number}: Quantity {index - 7} {error}.")
                values.append(None)
        quantities[row_number] = (values[0], values[1])
    return StageFile(offer_id, cell_text(head["stage"]).lower(), revision, quantities, problems)
