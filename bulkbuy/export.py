"""Export for Amazon (PRODUCT.md §5): the very workbook Amazon sent, with the final
quantities, ready to upload back to Vendor Central.

Only a completed offer exports. Per row, each delivery stage's quantity cell gets what the
Warehouse confirmed (0 where Commerce declined the row or a stage was left at 0); the
Approved column, when the file has one, says yes or no. Everything else in the file —
other sheets, formatting, Amazon's own columns — is left as it was.
"""

import io
from pathlib import PurePath

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
    # Imported here: linking reads `final_quantities` during every sync, which should not
    # pay for loading openpyxl (~9 MB).
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(bytes(offer.source_file)))
    sheet = workbook[offer.sheet_name]
    columns = offer.columns
    for row in offer.rows.all():
        first, second = final_quantities(row)
        sheet.cell(row=row.row_number, column=columns["stage1_qty"] + 1, value=first)
        if second is not None and "stage2_qty" in columns:
            sheet.cell(row=row.row_number, column=columns["stage2_qty"] + 1, value=second)
        if "approved" in columns:
            answer = "yes" if first or second else "no"
            sheet.cell(row=row.row_number, column=columns["approved"] + 1, value=answer)
    out = io.BytesIO()
    workbook.save(out)
    stem = PurePath(offer.source_name).stem or offer.name
    return f"{stem}-final.xlsx", out.getvalue()
