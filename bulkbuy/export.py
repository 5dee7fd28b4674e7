"""Export for Amazon (PRODUCT.md §5): the very workbook Amazon sent, with the final
quantities, ready to upload back to Vendor Central.

Only a completed offer exports. Per row, each delivery stage's quantity cell gets what the
Warehouse confirmed (0 where Commerce declined the row or a stage was left at 0); the
Approved column, when the file has one, says yes or no. Everything else in the file —
other sheets, formatting, Amazon's own columns — is left as it was.

The workbook is edited as a zip, not loaded: every part but the offer sheet is copied as
it is (a workbook with a million-cell second sheet once took 25 s and 540 MB per
download), and in the offer sheet only the rows of the offer are rewritten, cell by cell.
The file was checked on upload (bulkbuy/xlsx.py), so its parts are of bounded size.
"""

import io
import re
import shutil
import zipfile
from pathlib import PurePath
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from bulkbuy.models import Offer, OfferRow, OfferStatus
from shopctrl.errors import ShopCtrlError


def final_quantities(row: OfferRow) -> tuple[int, int | None]:
    """What goes to Amazon for each delivery stage (None: the row has no second stage)."""
    if not row.approved:
        return 0, (0 if row.stage2_qty is not None else None)
    second = (row.warehouse_qty2 or 0) if row.stage2_qty is not None else None
    return row.warehouse_qty1 or 0, second


def offer_export(offer: Offer) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of the offer with its final quantities.

    Raises ShopCtrlError for an offer not completed yet. Needs `offer.source_file` loaded.
    """
    if offer.status != OfferStatus.COMPLETED:
        raise ShopCtrlError("Only a completed offer can be exported for Amazon.")
    columns = offer.columns
    cells: dict[int, dict[int, int | str]] = {}  # row number → {1-based column: value}
    for row in offer.rows.only(
        "row_number", "approved", "stage2_qty", "warehouse_qty1", "warehouse_qty2"
    ):
        first, second = final_quantities(row)
        values: dict[int, int | str] = {columns["stage1_qty"] + 1: first}
        if second is not None and "stage2_qty" in columns:
            values[columns["stage2_qty"] + 1] = second
        if "approved" in columns:
            values[columns["approved"] + 1] = "yes" if first or second else "no"
        cells[row.row_number] = values
    content = workbook_with_cells(bytes(offer.source_file), offer.sheet_name, cells)
    stem = PurePath(offer.source_name).stem or offer.name
    return f"{stem}-final.xlsx", content


# --- Editing the sheet's XML ----------------------------------------------------------------

_ROW = re.compile(rb"<((?:[\w.-]+:)?)row\b([^>]*?)(?:/>|>(.*?)</\1row>)", re.S)
_CELL = re.compile(rb"<((?:[\w.-]+:)?)c\b([^>]*?)(?:/>|>(.*?)</\1c>)", re.S)
_ATTR_R = re.compile(rb'(?:^|\s)r="([^"]*)"')
_ATTR_S = re.compile(rb'(?:^|\s)s="(\d+)"')
_SPANS = re.compile(rb'\sspans="[^"]*"')
_LETTERS = re.compile(rb"[A-Za-z]+")


def workbook_with_cells(content: bytes, sheet_name: str, cells: dict[int, dict[int, int | str]]):
    """The xlsx `content` with `cells` (row → column → number or text) written into the
    sheet `sheet_name`, keeping each cell's style; every other part byte for byte the
    same, except the calculation chain, which Excel rebuilds (a value written over a
    formula would otherwise leave it pointing at a formula that is gone)."""
    sheet_path = _sheet_path(content, sheet_name)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            name = member.filename
            if name.lower() == "xl/calcchain.xml":
                continue
            if name == sheet_path:
                target.writestr(member, _sheet_with_cells(source.read(member), cells))
            elif name in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                data = re.sub(rb"<[^<>]*calcChain\.xml[^<>]*/>", b"", source.read(member))
                target.writestr(member, data)
            else:  # streamed: another sheet may unzip to tens of MB
                info = zipfile.ZipInfo(name, member.date_time)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = member.external_attr
                with source.open(member) as src, target.open(info, "w", force_zip64=True) as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
    return out.getvalue()


def _sheet_path(content: bytes, sheet_name: str) -> str:
    from bulkbuy.xlsx import XlsxBook  # the same reading of workbook.xml as the import's

    with XlsxBook(content) as book:
        for sheet in book.sheets:
            if sheet.name == sheet_name:
                return sheet.path
    raise ShopCtrlError(f"The offer's file has no sheet “{sheet_name}” any more.")


def _sheet_with_cells(xml: bytes, cells: dict[int, dict[int, int | str]]) -> bytes:
    parts: list[bytes] = []
    last = 0
    number = 0
    for match in _ROW.finditer(xml):
        ref = _ATTR_R.search(match.group(2))
        number = int(ref.group(1)) if ref else number + 1
        wanted = cells.get(number)
        if wanted is None:
            continue
        parts.append(xml[last : match.start()])
        parts.append(_row_with_cells(match, number, wanted))
        last = match.end()
    parts.append(xml[last:])
    return b"".join(parts)


def _row_with_cells(match: re.Match[bytes], number: int, wanted: dict[int, int | str]) -> bytes:
    prefix, attrs, body = match.group(1), match.group(2), match.group(3) or b""
    kept: dict[int, bytes] = {}
    styles: dict[int, bytes] = {}
    column = 0
    tail = body
    for cell in _CELL.finditer(body):
        ref = _ATTR_R.search(cell.group(2))
        if ref:
            letters = _LETTERS.match(ref.group(1))
            column = column_index_from_string(letters.group(0).decode()) if letters else column + 1
        else:
            column += 1
        style = _ATTR_S.search(cell.group(2))
        if style:
            styles[column] = style.group(1)
        text = cell.group(0)
        if not ref:  # write the position down: cells may be inserted before it
            text = text.replace(
                b"<" + prefix + b"c", b"<" + prefix + b"c r=" + _ref(column, number), 1
            )
        kept[column] = text
        tail = body[cell.end() :]
    for column, value in wanted.items():
        kept[column] = _cell(prefix, column, number, styles.get(column), value)
    row_attrs = _SPANS.sub(b"", attrs)  # spans is a hint; the new cells may fall outside it
    inner = b"".join(kept[c] for c in sorted(kept)) + tail
    return b"<" + prefix + b"row" + row_attrs + b">" + inner + b"</" + prefix + b"row>"


def _ref(column: int, number: int) -> bytes:
    return f'"{get_column_letter(column)}{number}"'.encode()


def _cell(prefix: bytes, column: int, number: int, style: bytes | None, value: int | str):
    p = prefix.decode()
    s = f' s="{style.decode()}"' if style else ""
    ref = f"{get_column_letter(column)}{number}"
    if isinstance(value, int):
        return f'<{p}c r="{ref}"{s}><{p}v>{value}</{p}v></{p}c>'.encode()
    text = escape(value)
    return f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t>{text}</{p}t></{p}is></{p}c>'.encode()
