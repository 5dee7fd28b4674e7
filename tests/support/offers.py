"""Offer workbooks built in memory, as Amazon sends them (plus Approved and Comment), offers
imported through the service, and offers walked through the approval stages."""

import io
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bulkbuy.models import Offer, OfferRow
from bulkbuy.services import offer_import
from bulkbuy.stages import (
    offer_commerce_decide,
    offer_stage_approve,
)
from orders.catalogue import product_create, products_fill_from_rows

HEADERS = (
    "ASIN",
    "EAN",
    "Title",
    "Unit cost",
    "Currency",
    "Stage 1 start",
    "Stage 1 end",
    "Stage 1 quantity",
    "Stage 2 start",
    "Stage 2 end",
    "Stage 2 quantity",
    "Approved",
    "Comment",
)


def offer_row(n: int = 1, **values: Any) -> dict[str, Any]:
    """One row keyed by header; `n` varies the ids (EAN 40000000000NN, ASIN B0000000NN)."""
    return {
        "ASIN": f"B{n:09d}",
        "EAN": f"40000000000{n:02d}",
        "Title": f"Product {n}",
        "Unit cost": 10.5,
        "Currency": "EUR",
        "Stage 1 start": date(2027, 1, 4),
        "Stage 1 end": date(2027, 1, 10),
        "Stage 1 quantity": 100,
        **values,
    }


def offer_xlsx(
    rows: list[dict[str, Any]],
    *,
    headers: tuple[str, ...] = HEADERS,
    preamble: tuple[tuple[Any, ...], ...] = (),
    sheet_title: str = "Offer",
) -> bytes:
    """An xlsx whose first sheet has `preamble` rows, the header, then `rows` (by header)."""
    workbook = Workbook()
    sheet = cast(Worksheet, workbook.active)
    sheet.title = sheet_title
    for line in preamble:
        sheet.append(list(line))
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "OFFER-123.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def make_products(shop, actor, count: int = 3):
    """Products 1..count with the ids `offer_row(n)` uses."""
    return [
        product_create(
            actor=actor,
            shop=shop,
            values={
                "ean": f"40000000000{n:02d}",
                "asin": f"B{n:09d}",
                "sku": f"SKU-{n}",
                "title": f"Product {n}",
            },
        )
        for n in range(1, count + 1)
    ]


def make_offer(shop, actor, rows: int = 2):
    """An offer of products 1..rows (added to the catalogue if missing), through the service."""
    products_fill_from_rows(
        shop, [(f"40000000000{n:02d}", f"B{n:09d}", f"Product {n}") for n in range(1, rows + 1)]
    )
    content = offer_xlsx([offer_row(n) for n in range(1, rows + 1)])
    return offer_import(actor=actor, shop=shop, upload=upload(content))


UNIT_COST = Decimal("10.5000")


def fresh(offer) -> Offer:
    return Offer.objects.get(pk=offer.pk)


def rows(offer) -> list[OfferRow]:
    return list(OfferRow.objects.filter(offer=offer).order_by("row_number"))


def to_manufacture(offer, user) -> Offer:
    offer = offer_commerce_decide(
        actor=user, offer_id=offer.pk, revision=fresh(offer).revision, approve="all"
    )
    return offer_stage_approve(
        actor=user, offer_id=offer.pk, stage="commerce", revision=offer.revision
    )
