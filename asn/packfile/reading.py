"""Reading a pack file: CSV bytes → pack lines, or what is wrong with them, line by line.

No database. Besides each line on its own, the file must hold together: one bill of lading;
an SSCC is a pallet or a carton, never both; a carton sits on one pallet; a (PO, EAN) has
one unit weight. Every problem names its line (the header is line 1), so the warehouse can
fix them all at once.
"""

import csv
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from amazon1p.picks.reading import Problem, normal_ean
from asn.gs1 import InvalidSSCC, normalise_sscc

# Header names (lower case, every run of other characters read as "_") → our field.
COLUMNS = {
    **dict.fromkeys(["bol", "bill_of_lading", "bill_of_lading_number", "bol_number"], "bol"),
    **dict.fromkeys(
        ["po", "po_number", "purchase_order", "purchase_order_number", "order_number"], "po"
    ),
    **dict.fromkeys(["pallet", "pallet_sscc", "pallet_id"], "pallet"),
    **dict.fromkeys(["carton", "carton_sscc", "carton_id", "case", "case_sscc"], "carton"),
    **dict.fromkeys(["ean", "gtin", "ean13", "barcode"], "ean"),
    **dict.fromkeys(["quantity", "qty", "eaches", "units", "quantity_eaches"], "quantity"),
    **dict.fromkeys(
        ["unit_weight", "unit_weight_kg", "weight", "weight_kg", "weight_per_unit"], "weight"
    ),
    **dict.fromkeys(["time", "packed_at", "pack_time", "packed_time", "timestamp"], "time"),
}
REQUIRED = ("bol", "po", "pallet", "ean", "quantity")  # carton, weight and time may be left out


@dataclass(frozen=True)
class PackLine:
    """One line of the file, read and normalised (SSCCs as 18 digits, EAN as written)."""

    line: int
    bol: str
    po: str
    pallet: str
    carton: str  # "" when the items sit loose on the pallet
    ean: str
    quantity: int
    unit_weight_kg: Decimal | None
    packed_at: datetime | None

    @property
    def container(self) -> str:
        """The SSCC the items are directly in."""
        return self.carton or self.pallet

    def canonical(self) -> str:
        weight = "" if self.unit_weight_kg is None else f"{self.unit_weight_kg.normalize():f}"
        moment = self.packed_at.astimezone(UTC).isoformat() if self.packed_at else ""
        fields = (self.bol, self.po, self.pallet, self.carton, normal_ean(self.ean))
        return "\t".join((*fields, str(self.quantity), weight, moment))


@dataclass(frozen=True)
class PackFile:
    """What a file says. `bols` come from every line, readable or not, so that a refused file
    can still be filed with the shop it is for."""

    lines: list[PackLine]
    problems: list[Problem]
    line_count: int
    bols: tuple[str, ...]

    @property
    def sha256(self) -> str:
        """Of the lines read, normalised and sorted: the same packing in another column order,
        separator, header spelling or SSCC notation is the same content."""
        text = "\n".join(sorted(line.canonical() for line in self.lines))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def packed_at(self) -> datetime | None:
        times = [line.packed_at for line in self.lines if line.packed_at]
        return max(times) if times else None


class _Unreadable(Exception):
    """A cell that cannot be read; the message is the problem."""


def _quantity(text: str) -> int:
    """Eaches, a positive whole number."""
    if not re.fullmatch(r"\d+", text):
        raise _Unreadable(f"quantity {text!r} is not a whole number of eaches")
    if int(text) == 0:
        raise _Unreadable("quantity must be more than 0")
    return int(text)


def _weight(text: str) -> Decimal | None:
    """Kilograms per each, with a decimal point or comma (what ShipmentLine holds: up to
    99999.999); None when left out."""
    if not text:
        return None
    if not re.fullmatch(r"\d{1,5}([.,]\d{1,3})?", text):
        raise _Unreadable(f"unit weight {text!r} is not a weight in kg (e.g. 1,25)")
    weight = Decimal(text.replace(",", "."))
    if not weight:
        raise _Unreadable("unit weight must be more than 0 kg")
    return weight


def _time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _Unreadable(f"time {text!r} is not an ISO 8601 date and time") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _sscc(what: str) -> Callable[[str], str]:
    def read(text: str) -> str:
        try:
            return normalise_sscc(text) if text or what == "pallet" else ""
        except InvalidSSCC as exc:
            raise _Unreadable(f"{what} SSCC: {exc}") from None

    return read


def _line(number: int, cells: dict[str, str], problems: list[Problem]) -> PackLine | None:
    """One line, or None with its problems added."""
    found = [f"{name.upper()} is empty" for name in ("bol", "po", "ean") if not cells[name]]
    readers: dict[str, Callable[[str], Any]] = {
        "pallet": _sscc("pallet"),
        "carton": _sscc("carton"),
        "quantity": _quantity,
        "weight": _weight,
        "time": _time,
    }
    values = {}
    for name, read in readers.items():
        try:
            values[name] = read(cells.get(name, ""))
        except _Unreadable as exc:
            found.append(str(exc))
    problems += [Problem(message, number) for message in found]
    if found:
        return None
    return PackLine(
        line=number,
        bol=cells["bol"],
        po=cells["po"],
        ean=cells["ean"],
        pallet=values["pallet"],
        carton=values["carton"],
        quantity=values["quantity"],
        unit_weight_kg=values["weight"],
        packed_at=values["time"],
    )


def _layout_problems(lines: list[PackLine]) -> list[Problem]:
    """What lines say against each other: a carton's one pallet, one unit weight per (PO,
    EAN), and an SSCC that is a pallet somewhere and a carton elsewhere (once per SSCC)."""
    problems = []
    first_as_pallet: dict[str, int] = {}
    carton_on: dict[str, tuple[str, int]] = {}
    weights: dict[tuple[str, str], tuple[Decimal, int]] = {}
    for line in lines:
        first_as_pallet.setdefault(line.pallet, line.line)
        if line.carton:
            pallet, first = carton_on.setdefault(line.carton, (line.pallet, line.line))
            if pallet != line.pallet:
                message = f"carton {line.carton} is on pallet {pallet} in line {first}"
                problems.append(Problem(message, line.line))
        if line.unit_weight_kg is not None:
            key = (line.po, normal_ean(line.ean))
            weight, first = weights.setdefault(key, (line.unit_weight_kg, line.line))
            if weight != line.unit_weight_kg:
                message = f"line {first} gives this PO and EAN a unit weight of {weight} kg"
                problems.append(Problem(message, line.line))
    for carton, (_, line_number) in carton_on.items():
        if carton in first_as_pallet:
            message = f"SSCC {carton} is a carton here and a pallet in line "
            problems.append(Problem(message + str(first_as_pallet[carton]), line_number))
    return problems


def _bol_problems(bols: set[str]) -> list[Problem]:
    if len(bols) > 1:
        named = ", ".join(sorted(bols))
        return [Problem(f"One file is one bill of lading; this one names {len(bols)}: {named}.")]
    return []


def pack_file_read(content: bytes) -> PackFile:
    """Parse a pack file: UTF-8 (BOM or not), `,` or `;` separated, a header line first."""
    try:
        text = content.decode("utf-8-sig")  # with or without a byte order mark
    except UnicodeDecodeError:
        return PackFile([], [Problem("The file is not UTF-8 text.")], 0, ())
    header_line = text.split("\n", 1)[0]
    separator = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    header = next(reader, [])
    problems: list[Problem] = []
    columns = _columns(header, problems) if header else {}
    if problems or not header:
        return PackFile([], problems or [Problem("The file is empty.")], 0, ())
    lines: list[PackLine] = []
    bols: set[str] = set()
    count = 0
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if len(cells) != len(header):
            message = f"{len(cells)} fields where the header has {len(header)}"
            problems.append(Problem(message, reader.line_num))
            continue
        values = {field: cells[index].strip() for index, field in columns.items()}
        bols.add(values["bol"])
        line = _line(reader.line_num, values, problems)
        if line is not None:
            lines.append(line)
    if not count:
        problems.append(Problem("The file has a header but no lines."))
    bols.discard("")
    problems += _bol_problems(bols) + _layout_problems(lines)
    problems.sort(key=lambda problem: problem.line or 0)
    return PackFile(lines, problems, count, tuple(sorted(bols)))


def _header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _columns(header: list[str], problems: list[Problem]) -> dict[int, str]:
    """{column index: our field}; unknown columns are ignored, missing required ones refused."""
    found: dict[int, str] = {}
    for index, name in enumerate(header):
        field = COLUMNS.get(_header_key(name))
        if field in found.values():
            problems.append(Problem(f"two columns mean {field!r}: keep one", 1))
        elif field:
            found[index] = field
    missing = [field for field in REQUIRED if field not in found.values()]
    if missing:
        problems.append(Problem(f"the header lacks the column(s) {', '.join(missing)}", 1))
    return found
