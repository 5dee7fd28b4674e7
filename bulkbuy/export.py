"""Export for Amazon (docs/amazon.md, "Bulk Buy Offers"): the very workbook Amazon sent,
with the final quantities, ready to upload back to Vendor Central.

Only a completed offer exports. Per row, each delivery stage's quantity cell gets what the
Warehouse confirmed (0 where Commerce declined the row or a stage was left at 0); the
Approved column, when the file has one, says yes or no. Everything else in the file —
other sheets, formatting, Amazon's own columns — is left as it was.

The workbook is edited as a zip, not loaded (bulkbuy/xlsx_edit.py), so a download costs
the same whatever the other sheets hold (bench/README.md, "Performance notes").
"""

from pathlib import PurePath

from bulkbuy.models import Offer, OfferRow, OfferStatus
from bulkbuy.xlsx_edit import workbook_with_cells
from core.errors import ShopCtrlError


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
