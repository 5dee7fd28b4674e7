"""A bounded reader for uploaded xlsx files (offers and stage files).

An upload is checked as a zip before any of its XML is parsed: member count and sizes,
the compression ratio (a "zip bomb" unzips hundreds of times its size) and macros. The
sheets are then streamed with defusedxml (no DTDs, no entities) keeping only the columns
the caller asks for, so neither a `<dimension>` of A1:XFD1048576, a cell at column XFD
nor millions of shared strings can make a worker build what the file only pretends to
hold. openpyxl is not used here: its read-only mode still parses every cell of a row and
loads every shared string before the first row is read (bench/README.md, "Performance
notes").

Values come back as openpyxl's `data_only` reading gives them (str, int, float, bool,
datetime, None), so the cell converters in `workbook.py` read either.
"""

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from xml.parsers import expat

from defusedxml.common import DTDForbidden
from defusedxml.ElementTree import iterparse
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from core.errors import ShopCtrlError

# A 20,000-row offer unzips to about 10 MB (its sheet) and compresses 10–15 times; the
# limits leave room for that and refuse what only a crafted file needs.
MAX_MEMBERS = 500
MAX_MEMBER_BYTES = 40 * 1024 * 1024
MAX_UNZIPPED_BYTES = 80 * 1024 * 1024
MAX_RATIO = 100  # uncompressed / compressed, for members over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_SMALL_PART_BYTES = 4 * 1024 * 1024  # workbook.xml, *.rels, styles.xml: read as a tree
MAX_SHARED_STRINGS = 200_000
MAX_SHARED_STRING_CHARS = 32_767  # Excel's own limit for a cell
MAX_SHARED_TEXT = 16_000_000  # characters over all shared strings
MAX_ROW_ELEMENTS = 100_000  # <row> elements read per sheet, empty ones included
MAX_CELL_ELEMENTS = 800_000  # <c> elements per sheet: 20,000 rows × 40 columns
MAX_COLUMN = 16_384  # XFD


class XlsxError(ShopCtrlError):
    """The upload is not an xlsx we will read; the message says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file")


DAMAGED = (
    "This file could not be read as an Excel workbook (.xlsx): it is damaged or of another "
    "kind. Upload Amazon's offer file."
)
TOO_LARGE = "This workbook is far too large for an offer file"


@dataclass(frozen=True)
class Sheet:
    name: str
    path: str  # member name in the zip, e.g. xl/worksheets/sheet1.xml


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def open_checked(content: bytes) -> zipfile.ZipFile:
    """The upload as a zip, after checking its members; raises XlsxError otherwise."""

    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise XlsxError(DAMAGED) from None
    names = {m.filename.lower() for m in members}
    if any(name.endswith("vbaproject.bin") for name in names):
        raise XlsxError(
            "This workbook contains macros (.xlsm): they are not accepted. Save it in Excel "
            "as “Excel Workbook (.xlsx)” and upload that."
        )
    if len(members) > MAX_MEMBERS:
        raise XlsxError(f"{TOO_LARGE}: it has {len(members):,} parts.")
    total = 0
    for member in members:
        total += member.file_size
        if member.file_size > MAX_MEMBER_BYTES or total > MAX_UNZIPPED_BYTES:
            raise XlsxError(
                f"{TOO_LARGE}: it unzips to more than {MAX_UNZIPPED_BYTES // 2**20} MB "
                f"(or one part to more than {MAX_MEMBER_BYTES // 2**20} MB)."
            )
        if member.file_size > RATIO_FLOOR and (
            member.file_size > MAX_RATIO * max(member.compress_size, 1)
        ):
            raise XlsxError(
                f"{TOO_LARGE}: its part {member.filename} is compressed more than "
                f"{MAX_RATIO} times, which only a crafted file is."
            )
    if "xl/workbook.xml" not in names and "[content_types].xml" not in names:
        raise XlsxError(DAMAGED)
    return archive


def _events(archive: zipfile.ZipFile, name: str, events=("end",)) -> Iterator[tuple[str, Any]]:
    """defusedxml's iterparse over one member; a missing or broken part is XlsxError."""
    try:
        stream: IO[bytes] = archive.open(name)
    except KeyError:
        raise XlsxError(DAMAGED) from None
    with stream:
        try:
            yield from iterparse(stream, events=events)
        except XlsxError:
            raise
        except Exception as error:  # expat errors, defusedxml's Forbidden, zlib errors
            raise XlsxError(DAMAGED) from error


def _parse_small(archive: zipfile.ZipFile, name: str) -> list[Any]:
    """Every element of a small part (workbook, rels), in document order."""
    _check_small(archive, name)
    return [element for _event, element in _events(archive, name)]


def _check_small(archive: zipfile.ZipFile, name: str) -> None:
    """Parts read whole as a tree (workbook, relationships, styles) are small in any real
    workbook; a large one would cost far more memory than its bytes."""
    if archive.getinfo(name).file_size > MAX_SMALL_PART_BYTES:
        raise XlsxError(
            f"{TOO_LARGE}: its part {name} is larger than {MAX_SMALL_PART_BYTES // 2**20} MB."
        )


def _member(archive: zipfile.ZipFile, name: str) -> str | None:
    """The member's real name (zip names are case-sensitive, Excel's are not)."""
    wanted = name.lower()
    return next((n for n in archive.namelist() if n.lower() == wanted), None)


def _rels(archive: zipfile.ZipFile, base: str) -> dict[str, tuple[str, str]]:
    """{Id: (Type, member path)} of a part's relationships."""
    folder, file = posixpath.split(base)
    name = _member(archive, posixpath.join(folder, "_rels", f"{file}.rels"))
    if name is None:
        return {}
    rels = {}
    for element in _parse_small(archive, name):
        if _local(element.tag) == "Relationship" and element.get("TargetMode") != "External":
            target = element.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            rels[element.get("Id", "")] = (element.get("Type", ""), posixpath.normpath(path))
    return rels


class XlsxBook:
    """The sheets of a checked workbook, read on demand. Use as a context manager."""

    def __init__(self, content: bytes) -> None:
        self.archive = open_checked(content)
        self._strings: list[str] | None = None
        self._dates: frozenset[int] | None = None
        self._counted: set[str] = set()
        main = next(
            (p for t, p in _rels(self.archive, "").values() if t.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        name = _member(self.archive, main)
        if name is None:
            raise XlsxError(DAMAGED)
        self.workbook_path = name
        rels = _rels(self.archive, name)
        sheets: list[Sheet] = []
        active = 0
        self.epoch = CALENDAR_WINDOWS_1900
        for element in _parse_small(self.archive, name):
            tag = _local(element.tag)
            if tag == "workbookView":
                active = _int(element.get("activeTab"), 0)
            elif tag == "workbookPr" and element.get("date1904") in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            elif tag == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
                kind, path = rels.get(rid, ("", ""))
                member = _member(self.archive, path) if path else None
                if member and kind.endswith("/worksheet"):  # chart and dialog sheets: no rows
                    sheets.append(Sheet(element.get("name", ""), member))
        self.sheets = sheets
        self.active = sheets[active] if 0 <= active < len(sheets) else None
        self._rels_of_book = rels

    def __enter__(self) -> "XlsxBook":
        return self

    def __exit__(self, *exc: object) -> None:
        self.archive.close()

    # -- Shared strings and styles, read once, bounded ------------------------------------

    def _part(self, suffix: str) -> str | None:
        """The workbook's part of a relationship type; openpyxl's own files leave out the
        relationship of shared strings, so the usual place counts too."""
        path = next((p for t, p in self._rels_of_book.values() if t.endswith(suffix)), None)
        return _member(self.archive, path or f"xl{suffix}.xml")

    @property
    def strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            name = self._part("/sharedStrings")
            if name is not None:
                self._strings = self._read_strings(name)
        return self._strings

    def _read_strings(self, name: str) -> list[str]:
        reader = _StringsReader()
        for _ in _expat(self.archive, name, reader):
            pass
        return reader.strings

    @property
    def date_styles(self) -> frozenset[int]:
        """Indexes of the cell formats that show a number as a date."""
        if self._dates is None:
            name = self._part("/styles")
            formats: dict[int, str] = dict(BUILTIN_FORMATS)
            xfs: list[int] = []
            in_cell_xfs = False
            if name:
                _check_small(self.archive, name)
            for event, element in (
                _events(self.archive, name, ("start", "end")) if name else iter(())
            ):
                tag = _local(element.tag)
                if tag == "numFmt" and event == "end":
                    formats[_int(element.get("numFmtId"), 0)] = element.get("formatCode", "")
                elif tag == "cellXfs":
                    in_cell_xfs = event == "start"
                elif tag == "xf" and in_cell_xfs and event == "start":
                    xfs.append(_int(element.get("numFmtId"), 0))
            self._dates = frozenset(
                i for i, fmt in enumerate(xfs) if fmt in formats and is_date_format(formats[fmt])
            )
        return self._dates

    # -- Rows ------------------------------------------------------------------------------

    def rows(
        self, sheet: Sheet, *, columns: int, min_row: int = 1, max_row: int | None = None
    ) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(row number, the first `columns` cells) of each non-empty row from `min_row`;
        cells beyond `columns` are skipped unread. Raises XlsxError for a damaged sheet or
        one with more than MAX_ROW_ELEMENTS rows."""
        if max_row is None:  # a header search stops early: it need not count the sheet
            self._count_cells(sheet)
        reader = _RowReader(self, columns, sheet.name)
        for rows in _expat(self.archive, sheet.path, reader):
            for number, cells in rows:
                if max_row is not None and number > max_row:
                    return
                if number >= min_row:
                    yield number, cells
            rows.clear()

    def _count_cells(self, sheet: Sheet) -> None:
        """Refuses a sheet with more than MAX_CELL_ELEMENTS cells before parsing it: the
        tags are counted in the raw XML, at C speed (parsing a cell costs ~100 times more)."""
        if sheet.path in self._counted:
            return
        count = 0
        tail = b""
        with self.archive.open(sheet.path) as stream:
            while chunk := stream.read(1024 * 1024):
                buffer = tail + chunk
                count += len(_CELL_TAG.findall(buffer, 0, len(buffer) - TAG_OVERLAP))
                tail = buffer[len(buffer) - TAG_OVERLAP :]
                if count > MAX_CELL_ELEMENTS:
                    raise XlsxError(
                        f"{TOO_LARGE}: its sheet “{sheet.name}” has more than "
                        f"{MAX_CELL_ELEMENTS:,} cells."
                    )
        self._counted.add(sheet.path)

    def value(self, kind: str, style: str | None, raw: str) -> Any:
        """A cell's value from its type (t), style (s) and <v> text, as openpyxl reads it."""
        if kind == "s":
            index = _int(raw, -1)
            if not 0 <= index < len(self.strings):
                raise XlsxError(DAMAGED)
            return self.strings[index]
        if kind in ("str", "e", "inlineStr"):
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            try:
                return datetime.fromisoformat(raw.strip())
            except ValueError:
                return raw
        try:
            number: int | float = float(raw) if re.search(r"[.eE]", raw) else int(raw)
        except ValueError:
            return raw
        if style and _int(style, 0) in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number


# --- Streaming with expat -------------------------------------------------------------------
# ElementTree's iterparse builds an element per cell and costs ~4 times expat's own time; a
# sheet is read with expat handlers instead. No part of an xlsx has a DTD, so any DOCTYPE is
# refused (defusedxml's DTDForbidden): without one, no entity can be declared or expanded.

CHUNK = 64 * 1024
_CELL_TAG = re.compile(rb"<(?:[\w.-]{1,20}:)?c[\s/>]")
TAG_OVERLAP = 24  # a tag cut by a chunk's end is counted in the next one
MAX_PARTS = 64  # text pieces kept per cell: expat hands text over in pieces of its buffer


def _expat(archive: zipfile.ZipFile, name: str, reader: Any) -> Iterator[list[Any]]:
    """Feed a member to `reader`'s handlers chunk by chunk, yielding `reader.out` (the
    rows finished so far) after each chunk so that the caller can stop early."""
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.data
    parser.StartDoctypeDeclHandler = _forbid_dtd
    try:
        stream: IO[bytes] = archive.open(name)
    except KeyError:
        raise XlsxError(DAMAGED) from None
    with stream:
        try:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
                yield reader.out
            parser.Parse(b"", True)
            yield reader.out
        except XlsxError:
            raise
        except (expat.ExpatError, DTDForbidden, zipfile.BadZipFile, zlib.error, OSError):
            raise XlsxError(DAMAGED) from None


def _forbid_dtd(name: str, sysid: str | None, pubid: str | None, internal: bool) -> None:
    raise DTDForbidden(name, sysid, pubid)


def _name(qname: str) -> str:
    return qname.rpartition(":")[2]


class _StringsReader:
    """Collects the shared strings (<si>), without phonetic runs, refusing too many."""

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.chars = 0
        self.out: list[Any] = []
        self.parts: list[str] = []
        self.capture = False
        self.phonetic = 0

    def start(self, qname: str, attrs: dict[str, str]) -> None:
        tag = _name(qname)
        if tag == "t":
            self.capture = not self.phonetic
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "si":
            self.parts = []

    def end(self, qname: str) -> None:
        tag = _name(qname)
        if tag == "t":
            self.capture = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "si":
            text = "".join(self.parts)[:MAX_SHARED_STRING_CHARS]
            self.strings.append(text)
            self.chars += len(text)
            if len(self.strings) > MAX_SHARED_STRINGS or self.chars > MAX_SHARED_TEXT:
                raise XlsxError(
                    f"{TOO_LARGE}: it holds more than {MAX_SHARED_STRINGS:,} different texts "
                    f"or more than {MAX_SHARED_TEXT // 1_000_000} million characters of text."
                )

    def data(self, text: str) -> None:
        if self.capture and len(self.parts) < MAX_PARTS:
            self.parts.append(text[:MAX_SHARED_STRING_CHARS])


class _RowReader:
    """Turns <row>/<c> events into (row number, cells) in `out`, for the first `width`
    columns only; counts rows against MAX_ROW_ELEMENTS."""

    def __init__(self, book: XlsxBook, width: int, sheet: str) -> None:
        self.book, self.width, self.sheet = book, width, sheet
        self.out: list[tuple[int, tuple[Any, ...]]] = []
        self.seen = 0
        self.cells = 0
        self.number = 0
        self.column = 0
        self.values: list[Any] | None = None
        self.cell: tuple[str, str | None] | None = None  # (type, style) of a wanted cell
        self.parts: list[str] = []
        self.capture = False
        self.phonetic = 0

    # The handlers run for every cell of the sheet, wanted or not: they are kept short.
    def start(self, qname: str, attrs: dict[str, str]) -> None:
        tag = qname if ":" not in qname else qname.rpartition(":")[2]
        if tag == "c":
            self.cells += 1
            if self.cells > MAX_CELL_ELEMENTS:
                raise XlsxError(
                    f"{TOO_LARGE}: its sheet “{self.sheet}” has more than "
                    f"{MAX_CELL_ELEMENTS:,} cells."
                )
            ref = attrs.get("r")
            self.column = column = _column(ref) if ref else self.column + 1
            if column <= self.width:
                self.cell = (attrs.get("t", "n"), attrs.get("s"))
                self.parts = []
        elif self.cell is None:
            if tag == "row":
                self.seen += 1
                if self.seen > MAX_ROW_ELEMENTS:
                    raise XlsxError(f"{TOO_LARGE}: its sheet “{self.sheet}” has too many rows.")
                self.number = _int(attrs.get("r"), self.number + 1)
                self.column = 0
                self.values = None
        elif tag == "v" or (tag == "t" and self.cell[0] == "inlineStr"):
            self.capture = not self.phonetic
        elif tag == "rPh":
            self.phonetic += 1

    def end(self, qname: str) -> None:
        if self.cell is None:
            if self.values is not None and (qname == "row" or qname.endswith(":row")):
                self.out.append((self.number, tuple(self.values)))
            return
        tag = qname if ":" not in qname else qname.rpartition(":")[2]
        if tag == "c":
            if self.parts:
                kind, style = self.cell
                value = self.book.value(kind, style, "".join(self.parts))
                if value is not None:
                    if self.values is None:
                        self.values = [None] * self.width
                    self.values[self.column - 1] = value
            self.cell = None
            self.capture = False
        elif tag in ("v", "t"):
            self.capture = False
        elif tag == "rPh":
            self.phonetic -= 1

    def data(self, text: str) -> None:
        if self.capture and len(self.parts) < MAX_PARTS:
            self.parts.append(text[:MAX_SHARED_STRING_CHARS])


_COLUMNS: dict[str, int] = {}  # "AB" → 28, filled as references are met


def _column(ref: str) -> int:
    """The 1-based column of a cell reference such as "AB12" (or "$AB$12")."""
    letters = ref.rstrip("0123456789").replace("$", "")
    column = _COLUMNS.get(letters)
    if column is None:
        if not (letters.isalpha() and letters.isascii() and len(letters) <= 3):
            raise XlsxError(DAMAGED)
        column = column_index_from_string(letters.upper())
        if column > MAX_COLUMN:
            raise XlsxError(DAMAGED)
        _COLUMNS[letters] = column
    return column


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
