"""Writing values into one sheet of an xlsx without loading the workbook: every part but
that sheet is copied as it is (streamed), and in the sheet only the rows named are
rewritten, cell by cell, keeping each cell's style. The file was checked when it was
uploaded (bulkbuy/xlsx.py), so its parts are of bounded size.
"""

import io
import re
import shutil
import zipfile
from xml.sax.saxutils import escape

from openpyxl.utils.cell import column_index_from_string, get_column_letter

from bulkbuy.xlsx import XlsxBook
from core.errors import ShopCtrlError

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
