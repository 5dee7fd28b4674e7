"""Documents: a group shipment's labels and packing list as PDF, and the shop's templates
(edit with a live preview, or go back to the built-in ones)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from asn.document_service import (
    DEFAULT_PAGE_SIZE,
    document_template,
    document_template_reset,
    document_template_save,
    group_document_pdf,
)
from asn.documents import DocumentError, default_template, render_preview
from asn.models import DocumentKind, DocumentTemplate, GroupShipment, PageSize
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from
from shops.access import shop_for_user
from shops.permissions import Perm


def _kind(kind: str) -> DocumentKind:
    if kind not in DocumentKind.values:
        raise Http404("No such document.")
    return DocumentKind(kind)


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    # Inline: the browser's PDF viewer opens it, ready to print on the label printer.
    disposition = content_disposition_header(False, filename)
    if disposition is not None:  # None only without a file name
        response["Content-Disposition"] = disposition
    return response


@login_required
@require_GET
def document(request: HttpRequest, shop_id: int, pk: int, kind: str) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    group = get_object_or_404(
        GroupShipment.objects.select_related("shop", "warehouse"), pk=pk, shop=shop
    )
    kind = _kind(kind)
    try:
        content = group_document_pdf(group, kind)
    except ShopCtrlError as error:
        messages.error(request, error.message)
        return redirect("asn:group-detail", shop_id=shop.pk, pk=group.pk)
    return _pdf(content, f"{group.code}-{kind.replace('_', '-')}.pdf")


class TemplateForm(forms.Form):
    page_size = forms.ChoiceField(choices=PageSize.choices)
    source = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false", "class": "mono"}),
        strip=False,
        max_length=100_000,
        help_text="A Django template producing a small HTML/CSS subset; the default shows "
        'every field. Labels must print <barcode sscc="{{ label.sscc }}">.',
    )


@login_required
@require_GET
def template_list(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    own = {
        t.kind: t for t in DocumentTemplate.objects.filter(shop=shop).select_related("updated_by")
    }
    rows = [(kind, own.get(kind.value)) for kind in DocumentKind]
    return render(
        request,
        "asn/template_list.html",
        {"shop": shop, "rows": rows, "active": "document-templates"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: AuthenticatedRequest, shop_id: int, kind: str) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    kind = _kind(kind)
    source, page_size, own = document_template(shop, kind)
    form = TemplateForm(
        request.POST if request.method == "POST" else None,
        initial={"source": source, "page_size": page_size},
    )
    if request.method == "POST" and form.is_valid():
        try:
            document_template_save(
                shop=shop,
                kind=kind,
                source=form.cleaned_data["source"],
                page_size=form.cleaned_data["page_size"],
                actor=request.user,
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"{kind.label} template saved.")
            return redirect("asn:template-edit", shop_id=shop.pk, kind=kind.value)
    return render(
        request,
        "asn/template_edit.html",
        {"shop": shop, "form": form, "kind": kind, "own": own, "active": "document-templates"},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def template_preview(request: HttpRequest, shop_id: int, kind: str) -> HttpResponse:
    """The posted (unsaved) template filled with sample data, as PDF; 400 with the reasons
    as plain text when it cannot be rendered."""
    shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    kind = _kind(kind)
    source = request.POST.get("source") or default_template(kind)
    page_size = request.POST.get("page_size") or DEFAULT_PAGE_SIZE[kind]
    if page_size not in PageSize.values:
        return HttpResponse("Unknown page size.", status=400, content_type="text/plain")
    try:
        content = render_preview(kind, source, page_size)
    except DocumentError as error:
        return HttpResponse(
            "The template cannot be rendered:\n\n" + "\n".join(error.messages),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    return _pdf(content, f"preview-{kind.replace('_', '-')}.pdf")


@login_required
@require_POST
def template_reset(request: AuthenticatedRequest, shop_id: int, kind: str) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SYNC_CONFIGURE)
    kind = _kind(kind)
    if document_template_reset(shop=shop, kind=kind, actor=request.user):
        messages.success(request, f"{kind.label}: back to the built-in template.")
    return redirect("asn:template-edit", shop_id=shop.pk, kind=kind.value)
