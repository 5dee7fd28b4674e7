"""Offer pages: the offers list with the upload form, an offer's Orders tab, and the
original workbook as uploaded."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from amazon1p.connection.models import AmazonConnection
from bulkbuy import export, selectors, services
from bulkbuy.access import offer_for_user
from bulkbuy.expiry import DEFAULT_ALERT_DAYS
from bulkbuy.forms import OfferListFilterForm, OfferUploadForm
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from
from shops.access import shop_for_user
from shops.permissions import Perm

OFFERS_PAGE_SIZE = 50
ROWS_PAGE_SIZE = 200
PROBLEMS_SHOWN = 200
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _list_page(
    request: AuthenticatedRequest, shop, form: OfferUploadForm, problems=(), *, status=200
):
    filters = OfferListFilterForm(request.GET, choices=selectors.STATUS_FILTERS)
    expiring_days = (
        AmazonConnection.objects.filter(shop=shop)
        .values_list("offer_expiry_alert_days", flat=True)
        .first()
    )
    offers = selectors.offer_list(
        shop=shop,
        status=filters.chosen(),
        expiring_days=DEFAULT_ALERT_DAYS if expiring_days is None else expiring_days,
    )
    page = Paginator(offers, OFFERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "bulkbuy/offer_list.html",
        {
            "shop": shop,
            "page": page,
            "form": form,
            "problems": problems[:PROBLEMS_SHOWN],
            "problems_hidden": max(len(problems) - PROBLEMS_SHOWN, 0),
            "can_add": Perm.OFFERS_ADD in request.shop_permissions,
            "now": timezone.now(),
            "status_filters": selectors.STATUS_FILTERS,
            "status": filters.chosen(),
        },
        status=status,
    )


@login_required
@require_GET
def offer_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.OFFERS_VIEW)
    return _list_page(request, shop, OfferUploadForm())


@login_required
@require_POST
def offer_upload(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """Import an offer workbook; on problems show them all, with nothing imported."""
    shop = shop_for_user(request, shop_id, Perm.OFFERS_ADD)
    form = OfferUploadForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        try:
            offer = services.offer_import(
                actor=request.user,
                shop=shop,
                upload=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
            )
        except services.OfferImportError as error:
            form_error_from(form, error)
            problems = error.problems
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Offer “{offer.name}” imported: {offer.row_count} rows.")
            return redirect("bulkbuy:offer-detail", shop_id=shop.pk, pk=offer.pk)
    return _list_page(request, shop, form, problems, status=400)


@login_required
@require_GET
def offer_export(request: HttpRequest, shop_id: int, pk: int) -> HttpResponseBase:
    """The workbook with the final quantities, for upload to Vendor Central."""
    offer = offer_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.OFFERS_VIEW, with_file=True)
    try:
        name, content = export.offer_export(offer)
    except ShopCtrlError as error:
        messages.error(request, error.message)
        return redirect("bulkbuy:offer-detail", shop_id=shop_id, pk=pk)
    return FileResponse(
        io.BytesIO(content), as_attachment=True, filename=name, content_type=XLSX_TYPE
    )


@login_required
@require_GET
def offer_file(request: HttpRequest, shop_id: int, pk: int) -> HttpResponseBase:
    """The workbook exactly as it was uploaded."""
    offer = offer_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.OFFERS_VIEW, with_file=True)
    return FileResponse(
        io.BytesIO(bytes(offer.source_file)),
        as_attachment=True,
        filename=offer.source_name,
        content_type=XLSX_TYPE,
    )


@login_required
@require_GET
def offer_orders(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """The offer's Orders tab: the POs linked to it, and per row what they ordered of what
    the offer gives in each delivery stage."""
    offer = offer_for_user(request, shop_id=shop_id, pk=pk, perm=Perm.OFFERS_VIEW)
    rows = Paginator(
        selectors.offer_rows(offer=offer).filter(approved=True), ROWS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    linked = selectors.offer_linked_orders(offer=offer)
    return render(
        request,
        "bulkbuy/offer_orders.html",
        {
            "shop": offer.shop,
            "offer": offer,
            "tab": "orders",
            "linked": linked,
            "linked_count": len(linked),
            "usage": selectors.offer_row_usage(rows=rows.object_list),
            "rows": rows,
            "has_stage2": "stage2_qty" in offer.columns,
            "approved_value": selectors.offer_approved_value(offer=offer),
            "now": timezone.now(),
            "can_open_orders": Perm.SHOP_VIEW in request.shop_permissions,
        },
    )
