"""Reading pick results: CSV files or a JSON list → pick lines, or what is wrong with them.

No writes. Every problem names its line (the CSV's line number, the header being line 1; the
JSON list's position from 1), so the warehouse can fix them all at once.
"""

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from shops.models import Shop

COLUMNS = {
    "shop": "shop",
    "po": "po",
    "ean": "ean",
    "picked_quantity": "quantity",
    "quantity": "quantity",
    "pick_time": "pick_time",
}
REQUIRED = ("po", "ean", "quantity", "pick_time")  # and "shop", except through the API


@dataclass(frozen=True)
class Problem:
    """Why a file is refused. `retry`: it clears by itself (an acknowledgement is on its way),
    so the same file can simply be sent again later."""

    message: str
    line: int | None = None
    retry: bool = False

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class PickLine:
    """One line. An unreadable one (`readable` False: its problems are reported) is kept for
    its shop, PO and EAN, so the rest of its PO is still checked as far as it can be."""

    line: int
    shop: str
    po: str
    ean: str
    quantity: int = 0
    pick_time: datetime | None = None
    readable: bool = True


def normal_ean(value: str) -> str:
    """GTINs compare with leading zeros padded to 14 digits (UPC-12, EAN-13, GTIN-14)."""
    value = value.strip().upper()
    return value.zfill(14) if value.isdigit() else value


def _quantity(value: Any) -> int | str:
    """The picked quantity, or what is wrong with it."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        number = int(value.strip())
    else:
        return f"picked quantity {value!r} is not a whole number"
    return number if number >= 0 else f"picked quantity {number} is negative"


def _pick_time(value: Any) -> datetime | str:
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        return f"pick time {value!r} is not an ISO-8601 date and time"
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _line(
    number: int, record: dict[str, Any], problems: list[Problem], *, whole: bool = True
) -> PickLine:
    """Read one record; `whole` False: its fields did not match the header (reported)."""
    values = {key: "" if value is None else str(value).strip() for key, value in record.items()}
    where = {name: values.get(name, "") for name in ("shop", "po", "ean")}
    shop, po, ean = where["shop"], where["po"], where["ean"]
    if not whole:
        return PickLine(number, shop, po, ean, readable=False)
    quantity, pick_time = _quantity(record["quantity"]), _pick_time(record["pick_time"])
    before = len(problems)
    problems += [Problem(f"{n.upper()} is empty", number) for n in ("po", "ean") if not where[n]]
    problems += [Problem(p, number) for p in (quantity, pick_time) if isinstance(p, str)]
    if len(problems) > before or isinstance(quantity, str) or isinstance(pick_time, str):
        return PickLine(number, shop, po, ean, readable=False)
    return PickLine(number, shop, po, ean, quantity=quantity, pick_time=pick_time)


def _columns(names: list[str], problems: list[Problem], *, line: int = 1) -> dict[str, str]:
    """{given name: our field} for the columns we read; missing required ones are problems."""
    found: dict[str, str] = {}
    for name in names:
        key = COLUMNS.get(str(name).strip().lower().replace(" ", "_").replace("-", "_"))
        if key in found.values():
            problems.append(Problem(f"column {key!r} appears twice", line))
        elif key:
            found[name] = key
    missing = [name for name in REQUIRED if name not in found.values()]
    if missing:
        problems.append(Problem(f"the header lacks the column(s) {', '.join(missing)}", line))
    return found


def pick_lines_from_csv(content: bytes) -> tuple[list[PickLine], list[Problem]]:
    """Parse a pick file (UTF-8, comma, semicolon or tab separated, a header line first)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [Problem("The file is not UTF-8 text.")]
    header_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[Problem] = []
    header = next(reader, None)
    if not header:
        return [], [Problem("The file is empty.")]
    columns = _columns(header, problems)
    if problems:
        return [], problems
    lines = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(
                Problem(f"{len(cells)} fields where the header has {len(header)}", reader.line_num)
            )
        fields = zip(header, cells, strict=False)
        record = {columns[name]: cell for name, cell in fields if name in columns}
        lines.append(_line(reader.line_num, record, problems, whole=len(cells) == len(header)))
    return lines, problems


def pick_lines_from_json(content: bytes) -> tuple[list[PickLine], list[Problem]]:
    """Parse a JSON list of objects with the CSV's keys; line N is the list's Nth object."""
    try:
        records = json.loads(content)
    except ValueError as exc:
        return [], [Problem(f"The body is not JSON: {exc}")]
    except RecursionError:  # thousands of nested brackets exhaust the parser's stack
        return [], [Problem("The body is nested too deeply: send a flat list of objects.")]
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        return [], [Problem("The body must be a JSON list of objects.")]
    lines: list[PickLine] = []
    problems: list[Problem] = []
    for number, record in enumerate(records, start=1):
        before = len(problems)
        columns = _columns(list(record), problems, line=number)
        if len(problems) == before:
            lines.append(
                _line(number, {key: record[name] for name, key in columns.items()}, problems)
            )
    return lines, problems


def shop_of(lines: list[PickLine], shop: Shop | None) -> tuple[Shop | None, list[Problem]]:
    """The one shop the lines are for: the API's (lines may leave it out, or must name it), or
    the folder file's, which every line names by id."""
    if shop is not None:
        return shop, [
            Problem(f"shop {line.shop} is not this shop ({shop.pk})", line.line)
            for line in lines
            if line.shop and line.shop != str(shop.pk)
        ]
    problems = [Problem("the shop is empty", line.line) for line in lines if not line.shop]
    named = sorted({line.shop for line in lines if line.shop})
    if len(named) > 1:
        problems.append(Problem(f"A pick file holds one shop's picks; this one names {named}."))
        return None, problems
    if not named:
        return None, problems
    found = Shop.objects.filter(pk=int(named[0])).first() if named[0].isdigit() else None
    if found is None:
        problems += [Problem(f"no shop has the id {line.shop!r}", line.line) for line in lines]
    return found, problems
