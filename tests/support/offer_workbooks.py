"""Bulk Buy offer workbooks as ShopCtrl exports them for Amazon: Amazon's sheet (title lines,
then a header row and one row per product) with the final quantities and Approved filled in."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

HEADERS = (
    "ASIN",
    "EAN",
    "Title",
    "Unit Cost (EUR)",
    "Currency",
    "Delivery Window 1 Start",
    "Delivery Window 1 End",
    "Delivery Window 1 Quantity",
    "Delivery Window 2 Start",
    "Delivery Window 2 End",
    "Delivery Window 2 Quantity",
    "Approved",
    "Comment",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class OfferLine:
    """One product row: the final quantity per stage and the vendor's answer."""

    asin: str
    ean: str
    cost: Decimal
    stage1: int
    stage2: int | None = None
    approved: str = "yes"
    title: str = "Product"


def offer_workbook(
    lines: Sequence[OfferLine],
    *,
    stage1: tuple[date, date],
    stage2: tuple[date, date] | None = None,
    currency: str = "EUR",
    headers: Sequence[str] = HEADERS,
) -> bytes:
    """The xlsx bytes: two title lines, a blank line, the header, the rows (dates as date
    cells, costs as numbers, as Excel keeps them)."""
    workbook = Workbook()
    sheet = cast(Worksheet, workbook.active)
    sheet.title = "Bulk Buy Offer"
    sheet.append(["Amazon Bulk Buy Offer", "Vendor VNDR1"])
    sheet.append(["Please fill in the Approved and Comment columns."])
    sheet.append([])
    sheet.append(list(headers))
    for line in lines:
        second = stage2 or (None, None)
        sheet.append(
            [
                line.asin,
                line.ean,
                line.title,
                float(line.cost),
                currency,
                datetime.combine(stage1[0], datetime.min.time()),
                datetime.combine(stage1[1], datetime.min.time()),
                line.stage1,
                second[0] and datetime.combine(second[0], datetime.min.time()),
                second[1] and datetime.combine(second[1], datetime.min.time()),
                line.stage2,
                line.approved,
                "",
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def line(number: int, stage1: int, stage2: int | None = None, **fields) -> OfferLine:
    """A product row with made-up identifiers, numbered to tell rows apart."""
    return OfferLine(
        asin=f"B0OFFER{number:03d}",
        ean=f"4000000{number:06d}",
        cost=Decimal("12.50") + number,
        stage1=stage1,
        stage2=stage2,
        **fields,
    )
