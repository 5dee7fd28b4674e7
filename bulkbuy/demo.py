"""The demo's Bulk Buy offer: a workbook as Amazon would send it, for products the demo's
simulator sells, so a visitor can walk it through the stages, export it, upload the export
on the simulator's page (/_simulator/offers) and see its POs arrive linked as Bulk buy."""

import io
from datetime import timedelta
from typing import cast

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bulkbuy.models import Offer
from bulkbuy.services import offer_import
from orders.catalogue import products_fill_from_rows
from shops.models import Shop
from simulator.catalogue import products_for

HEADERS = (
    "ASIN", "EAN", "Title", "Unit cost", "Currency",
    "Stage 1 start", "Stage 1 end", "Stage 1 quantity",
    "Stage 2 start", "Stage 2 end", "Stage 2 quantity",
    "Approved", "Comment",
)  # fmt: skip
ROWS = 5
# Windows well past the shop's minimum days ahead (30 by default), as Amazon's offers are.
STAGE_1_DAYS = (40, 50)
STAGE_2_DAYS = (70, 80)


def demo_offer_workbook(*, simulator_seed: int, vendor_code: str, currency: str) -> bytes:
    today = timezone.localdate()
    book = Workbook()
    # A new workbook has one worksheet (openpyxl types `active` as sheet-or-None).
    sheet = cast(Worksheet, book.active)
    sheet.title = "Offer"
    sheet.append(["Bulk Buy Offer (demo)"])
    sheet.append(list(HEADERS))
    for index, product in enumerate(products_for(simulator_seed, vendor_code)[:ROWS]):
        sheet.append(
            [
                product.asin,
                product.ean,
                f"Demo product {product.ean[-4:]}",
                float(product.net_cost),
                currency,
                today + timedelta(days=STAGE_1_DAYS[0]),
                today + timedelta(days=STAGE_1_DAYS[1]),
                product.case_size * (10 + 5 * index),
                today + timedelta(days=STAGE_2_DAYS[0]),
                today + timedelta(days=STAGE_2_DAYS[1]),
                product.case_size * 8,
                None,
                "",
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def demo_offer_create(
    *, shop: Shop, actor: User, simulator_seed: int, vendor_code: str
) -> Offer | None:
    """Import the demo offer once (None when the shop has offers already). Its products are
    added to the catalogue first, as the first import of POs would."""
    if Offer.objects.filter(shop=shop).exists():
        return None
    products = products_for(simulator_seed, vendor_code)[:ROWS]
    products_fill_from_rows(shop, [(p.ean, p.asin, f"Demo product {p.ean[-4:]}") for p in products])
    content = demo_offer_workbook(
        simulator_seed=simulator_seed, vendor_code=vendor_code, currency=shop.currency
    )
    return offer_import(
        actor=actor,
        shop=shop,
        upload=SimpleUploadedFile("DEMO-OFFER.xlsx", content),
        name="DEMO-OFFER",
    )
