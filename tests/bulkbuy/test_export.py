"""Export for Amazon: the uploaded workbook with the Warehouse's final quantities written
into it; only for completed offers."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bulkbuy.export import offer_export
from bulkbuy.models import Offer, OfferStatus
from bulkbuy.stages import (
    offer_commerce_decide,
    offer_complete,
    offer_quantities_set,
    offer_stage_approve,
)
from core.errors import ShopCtrlError
from tests.support.offers import fresh, make_offer, rows, to_manufacture

pytestmark = pytest.mark.django_db


def _completed(offer, user, warehouse_qty: int, declined: int | None = None) -> Offer:
    if declined is not None:
        offer_commerce_decide(
            actor=user,
            offer_id=offer.pk,
            revision=fresh(offer).revision,
            decisions={declined: False},
        )
        offer = offer_commerce_decide(
            actor=user, offer_id=offer.pk, revision=fresh(offer).revision, approve="pending"
        )
        offer = offer_stage_approve(
            actor=user, offer_id=offer.pk, stage="commerce", revision=offer.revision
        )
    else:
        offer = to_manufacture(offer, user)
    offer = _fill_approved(offer, user, "manufacture", 80)
    offer = offer_stage_approve(
        actor=user, offer_id=offer.pk, stage="manufacture", revision=offer.revision
    )
    offer = _fill_approved(offer, user, "warehouse", warehouse_qty)
    return offer_complete(actor=user, offer_id=offer.pk, revision=offer.revision)


def _fill_approved(offer, user, stage: str, qty: int) -> Offer:
    return offer_quantities_set(
        actor=user,
        offer_id=offer.pk,
        stage=stage,
        revision=fresh(offer).revision,
        quantities={r.pk: (qty, None) for r in rows(offer) if r.approved},
    )


def test_export_writes_final_quantities_into_amazons_file(shop, admin_user):
    offer = make_offer(shop, admin_user, rows=3)
    declined = rows(offer)[1]
    offer = _completed(offer, admin_user, warehouse_qty=60, declined=declined.pk)
    offer = Offer.objects.get(pk=offer.pk)  # with the stored file
    assert offer.status == OfferStatus.COMPLETED

    name, content = offer_export(offer)

    sheet = load_workbook(io.BytesIO(content))[offer.sheet_name]
    header = [cell.value for cell in sheet[offer.header_row]]
    qty, approved = header.index("Stage 1 quantity") + 1, header.index("Approved") + 1
    values = [
        (sheet.cell(row.row_number, qty).value, sheet.cell(row.row_number, approved).value)
        for row in rows(offer)
    ]
    assert values == [(60, "yes"), (0, "no"), (60, "yes")]
    assert sheet.cell(rows(offer)[0].row_number, header.index("EAN") + 1).value is not None
    assert name == "OFFER-123-final.xlsx"


def test_only_completed_offers_export(shop, admin_user, admin_client):
    offer = Offer.objects.get(pk=make_offer(shop, admin_user).pk)
    with pytest.raises(ShopCtrlError, match="completed"):
        offer_export(offer)
    url = reverse("bulkbuy:offer-export", args=[shop.pk, offer.pk])
    assert admin_client.get(url).status_code == 302

    _completed(offer, admin_user, warehouse_qty=10)
    response = admin_client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-final.xlsx"')
    page = admin_client.get(reverse("bulkbuy:offer-detail", args=[shop.pk, offer.pk]))
    assert 'data-action="offer-export"' in page.content.decode()
