"""Cells we write into spreadsheets (xlsx, csv) never become formulas.

A product title or offer name that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return would be run as a formula by Excel or LibreOffice when a CSV is opened, and openpyxl
writes a string starting with `=` as a formula ("CSV/formula injection"). Every generated
spreadsheet passes its text cells through here.
"""

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A value for a CSV cell: text that a spreadsheet would read as a formula gets a
    leading apostrophe (OWASP's advice), which Excel shows as plain text."""
    return f"'{value}" if is_formula_like(value) else value


def xlsx_text_cells(cells) -> None:
    """Makes the openpyxl cells holding formula-like text plain text cells: string type
    (openpyxl had made `=…` a formula) and Excel's quote prefix, so that editing the cell
    in Excel keeps it text."""
    for cell in cells:
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
