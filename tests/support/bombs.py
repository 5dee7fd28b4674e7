"""Hostile workbooks, built in memory, and a child process that measures what reading one
costs: the growth of its peak RSS and the time taken."""

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from openpyxl.utils.cell import get_column_letter

ROOT = Path(__file__).resolve().parents[2]
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def replace_members(content: bytes, members: dict[str, bytes], level: int = 6) -> bytes:
    """The xlsx `content` with `members` replaced or added (highly compressed)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for member in source.infolist():
            if member.filename not in members:
                target.writestr(member.filename, source.read(member))
        for name, data in members.items():
            target.writestr(name, data)
    return out.getvalue()


def sheet_xml(rows, dimension: str = "A1") -> bytes:
    """A worksheet: `rows` yields the <row> elements' bytes."""
    return b"".join(
        [
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode(),
            f'<dimension ref="{dimension}"/><sheetData>'.encode(),
            *rows,
            b"</sheetData></worksheet>",
        ]
    )


def number_cells(row: int, columns: range) -> bytes:
    return b"".join(f'<c r="{get_column_letter(c)}{row}"><v>{c}</v></c>'.encode() for c in columns)


def measure(function: str, path: Path) -> dict:
    """Run `function` ('module:name', taking the file's bytes) in a fresh Python and report
    {"grew_mib", "seconds", "result"}: the peak RSS above the RSS once the file is read
    into memory (modules imported, the peak reset), and the time of the call alone. The
    result is "ok" or the ShopCtrlError message."""
    code = f"""
import json, sys, time
from importlib import import_module

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) / 1024

module, name = {function!r}.split(":")
function = getattr(import_module(module), name)
from core.errors import ShopCtrlError
data = open({str(path)!r}, "rb").read()
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # resets VmHWM to the current RSS
before = status("VmRSS")
started = time.perf_counter()
try:
    function(data)
    result = "ok"
except ShopCtrlError as error:
    result = error.message
seconds = time.perf_counter() - started
print(json.dumps({{"grew_mib": status("VmHWM") - before, "seconds": seconds, "result": result}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def export_two_rows(content: bytes) -> None:
    """What an export does with the file: write quantities into the offer sheet."""
    from bulkbuy.xlsx_edit import workbook_with_cells

    workbook_with_cells(content, "Offer", {2: {8: 5, 12: "yes"}, 3: {8: 0, 12: "no"}})
