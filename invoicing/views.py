"""Invoice pages: the shop's invoices, one invoice (lines, charges and allowances, pre-flight,
Amazon's answer, send), creating one from a group shipment or from POs, credit notes, the
PDF, and the settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amazon1p.models import AmazonPurchaseOrder
from asn.models import GroupShipment
from core.errors import ShopCtrlError
from core.http import AuthenticatedRequest
from core.views import form_error_from, post_data
from invoicing.documents import invoice_pdf
from invoicing.forms import (
    SETTINGS_FIELDS,
    CreditNoteForm,
    InvoiceAdjustmentForm,
    InvoiceLineForm,
    InvoiceSettingsForm,
    OrdersInvoiceForm,
)
from invoicing.models import (
    Invoice,
    InvoiceAdjustment,
    InvoiceBasis,
    InvoiceLine,
    InvoiceSettings,
    InvoiceStatus,
)
from invoicing.preflight import adjustment_label, invoice_totals, preflight
from invoicing.selectors import invoice_usual_tax_rate, shop_invoices, vat_categories
from invoicing.services import (
    InvoiceError,
    InvoiceRefused,
    credit_note_create,
    invoice_adjustment_add,
    invoice_adjustment_remove,
    invoice_create_from_group,
    invoice_create_from_orders,
    invoice_line_set,
    invoice_settings_save,
    invoice_submit,
)
from shops.access import shop_for_user
from shops.permissions import Perm

LIST_LIMIT = 500


def _invoice(request: HttpRequest, shop_id: int, pk: int, perm: Perm) -> Invoice:
    shop = shop_for_user(request, shop_id, perm)
    return get_object_or_404(Invoice.objects.select_related("reference", "group"), pk=pk, shop=shop)


@login_required
@require_GET
def invoice_list(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """The shop's invoices and credit notes, with a form to invoice several POs."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    invoices = list(shop_invoices(shop)[:LIST_LIMIT])
    return render(
        request,
        "invoicing/invoice_list.html",
        {
            "shop": shop,
            "invoices": invoices,
            "limit": LIST_LIMIT,
            "form": OrdersInvoiceForm(),
            "configured": InvoiceSettings.objects.filter(shop=shop).exists(),
        },
    )


@login_required
@require_GET
def invoice_detail(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """One invoice: lines, charges and allowances, totals, what pre-flight finds, and
    Amazon's answer."""
    invoice = _invoice(request, shop_id, pk, Perm.SHOP_VIEW)
    return _detail_page(request, invoice)


def _detail_page(
    request: AuthenticatedRequest,
    invoice: Invoice,
    *,
    adjustment_form: InvoiceAdjustmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    lines = list(invoice.lines.select_related("row"))
    adjustments = list(invoice.adjustments.all())
    submission = invoice.submissions.first()
    # Lines can be corrected (and the invoice sent) while it is a draft or refused.
    editable = invoice.can_send and Perm.SHOP_CONFIGURE in getattr(
        request, "shop_permissions", frozenset()
    )
    # The add form: a fresh one where charges may be added, or the one just refused.
    if adjustment_form is None and editable and not invoice.is_credit_note:
        adjustment_form = InvoiceAdjustmentForm(
            invoice=invoice, tax_rate=invoice_usual_tax_rate(invoice)
        )
    context = {
        "shop": invoice.shop,
        "invoice": invoice,
        "lines": lines,
        "adjustments": adjustments,
        "totals": invoice_totals(lines, adjustments),
        "violations": preflight(invoice) if invoice.can_send else [],
        "editable": editable,
        "adjustment_form": adjustment_form,
        "submission": submission,
        "credit_notes": invoice.credit_notes.all(),
        # Only an accepted invoice is credited (a credit note is not credited again).
        "credit_form": CreditNoteForm(invoice=invoice)
        if invoice.status == InvoiceStatus.ACCEPTED and not invoice.is_credit_note
        else None,
    }
    return render(request, "invoicing/invoice_detail.html", context, status=status)


@login_required
@require_POST
def invoice_send_view(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """Pre-flight, then queue the invoice for Amazon."""
    invoice = _invoice(request, shop_id, pk, Perm.SHOP_CONFIGURE)
    try:
        invoice_submit(invoice=invoice, actor=request.user)
    except InvoiceRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, f"{invoice} is on its way to Amazon.")
    return redirect("invoicing:invoice-detail", shop_id=invoice.shop_id, pk=invoice.pk)


@login_required
@require_POST
def invoice_from_group(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """A draft invoice of a confirmed group shipment (basis from the form or the settings)."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    group = get_object_or_404(GroupShipment, pk=pk, shop=shop)
    basis = request.POST.get("basis") or None
    if basis is not None and basis not in InvoiceBasis.values:
        basis = None
    try:
        invoice = invoice_create_from_group(group=group, basis=basis, actor=request.user)
    except ShopCtrlError as error:
        messages.error(request, error.message)
        return redirect("receiving:group-reconciliation", shop_id=shop.pk, pk=group.pk)
    messages.success(request, f"{invoice} drafted: check it, then send it to Amazon.")
    return redirect("invoicing:invoice-detail", shop_id=shop.pk, pk=invoice.pk)


@login_required
@require_POST
def invoice_from_orders(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """A draft invoice over several POs of one ship-to party."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    form = OrdersInvoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the PO numbers to invoice and the basis.")
        return redirect("invoicing:invoice-list", shop_id=shop.pk)
    numbers = form.numbers()
    found = {
        apo.po_number: apo.order
        for apo in AmazonPurchaseOrder.objects.filter(
            shop=shop, po_number__in=numbers, order__isnull=False
        ).select_related("order")
        if apo.order is not None  # as the filter: narrows the nullable relation's type
    }
    unknown = [n for n in numbers if n not in found]
    if unknown:
        messages.error(request, f"No purchase order {', '.join(unknown)} in this shop.")
        return redirect("invoicing:invoice-list", shop_id=shop.pk)
    try:
        invoice = invoice_create_from_orders(
            shop=shop,
            orders=list(found.values()),
            basis=form.cleaned_data["basis"],
            actor=request.user,
        )
    except ShopCtrlError as error:
        messages.error(request, error.message)
        return redirect("invoicing:invoice-list", shop_id=shop.pk)
    messages.success(request, f"{invoice} drafted: check it, then send it to Amazon.")
    return redirect("invoicing:invoice-detail", shop_id=shop.pk, pk=invoice.pk)


@login_required
@require_POST
def invoice_line_edit(
    request: AuthenticatedRequest, shop_id: int, pk: int, line_id: int
) -> HttpResponse:
    """Correct one line of a draft or refused invoice."""
    invoice = _invoice(request, shop_id, pk, Perm.SHOP_CONFIGURE)
    line = get_object_or_404(InvoiceLine, pk=line_id, invoice=invoice)
    form = InvoiceLineForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            f"Line {line.po_number}/{line.item_sequence_number}: "
            + "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()),
        )
    else:
        try:
            invoice_line_set(line=line, actor=request.user, **form.cleaned_data)
        except InvoiceError as error:
            messages.error(request, error.message)
        else:
            done = "taken off the invoice" if form.cleaned_data["quantity"] == 0 else "saved"
            messages.success(request, f"Line {line.po_number}/{line.item_sequence_number} {done}.")
    return redirect("invoicing:invoice-detail", shop_id=invoice.shop_id, pk=invoice.pk)


@login_required
@require_POST
def invoice_adjustment_new(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """Add a charge or an allowance to a draft or refused invoice; the page again, with the
    form's errors, when it cannot be added."""
    invoice = _invoice(request, shop_id, pk, Perm.SHOP_CONFIGURE)
    form = InvoiceAdjustmentForm(
        request.POST, invoice=invoice, tax_rate=invoice_usual_tax_rate(invoice)
    )
    if form.is_valid():
        try:
            adjustment = invoice_adjustment_add(
                invoice=invoice,
                kind=form.kind(),
                adjustment_type=form.cleaned_data["adjustment_type"],
                description=form.cleaned_data["description"],
                amount=form.cleaned_data["amount"],
                tax_rate=form.cleaned_data["tax_rate"],
                actor=request.user,
            )
        except ShopCtrlError as error:
            if error.field not in form.fields:  # the invoice's state: the page says it
                messages.error(request, error.message)
                return redirect("invoicing:invoice-detail", shop_id=invoice.shop_id, pk=invoice.pk)
            form_error_from(form, error)
        else:
            messages.success(request, f"{adjustment_label(adjustment)} added.")
            return redirect("invoicing:invoice-detail", shop_id=invoice.shop_id, pk=invoice.pk)
    return _detail_page(request, invoice, adjustment_form=form, status=400)


@login_required
@require_POST
def invoice_adjustment_delete(
    request: AuthenticatedRequest, shop_id: int, pk: int, adjustment_id: int
) -> HttpResponse:
    """Remove a charge or an allowance from a draft or refused invoice."""
    invoice = _invoice(request, shop_id, pk, Perm.SHOP_CONFIGURE)
    adjustment = InvoiceAdjustment.objects.filter(pk=adjustment_id, invoice=invoice).first()
    if adjustment is None:
        messages.info(request, "That charge or allowance is no longer on the invoice.")
    else:
        try:
            invoice_adjustment_remove(adjustment=adjustment, actor=request.user)
        except ShopCtrlError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{adjustment_label(adjustment)} removed.")
    return redirect("invoicing:invoice-detail", shop_id=invoice.shop_id, pk=invoice.pk)


@login_required
@require_POST
def credit_note_new(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """A credit note of an accepted invoice (returns, price difference, accepted shortage)."""
    invoice = _invoice(request, shop_id, pk, Perm.SHOP_CONFIGURE)
    form = CreditNoteForm(request.POST, invoice=invoice)
    if not form.is_valid():
        messages.error(
            request,
            "The credit note cannot be made: "
            + "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in form.errors.items()),
        )
        return redirect("invoicing:invoice-detail", shop_id=invoice.shop_id, pk=invoice.pk)
    try:
        note = credit_note_create(
            invoice=invoice,
            kind=form.cleaned_data["kind"],
            quantities=form.quantities(),
            amounts=form.amounts(),
            returns_reference=form.cleaned_data["returns_reference"],
            actor=request.user,
        )
    except ShopCtrlError as error:
        messages.error(request, error.message)
        return redirect("invoicing:invoice-detail", shop_id=invoice.shop_id, pk=invoice.pk)
    messages.success(request, f"{note} drafted: check it, then send it to Amazon.")
    return redirect("invoicing:invoice-detail", shop_id=invoice.shop_id, pk=note.pk)


@login_required
@require_GET
def invoice_pdf_view(request: AuthenticatedRequest, shop_id: int, pk: int) -> HttpResponse:
    """The invoice as PDF, from the shop's template."""
    invoice = _invoice(request, shop_id, pk, Perm.SHOP_VIEW)
    try:
        pdf = invoice_pdf(invoice)
    except ShopCtrlError as error:
        messages.error(request, error.message)
        return redirect("invoicing:invoice-detail", shop_id=invoice.shop_id, pk=invoice.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = content_disposition_header(False, f"{invoice.invoice_type}-{invoice.number}.pdf")
    if disposition is not None:  # None only without a file name
        response["Content-Disposition"] = disposition
    return response


@login_required
@require_http_methods(["GET", "POST"])
def invoice_settings_page(request: AuthenticatedRequest, shop_id: int) -> HttpResponse:
    """The shop's invoicing settings (Shop Owner Admin: shop.configure)."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_CONFIGURE)
    current = InvoiceSettings.objects.filter(shop=shop).first()
    form = InvoiceSettingsForm(post_data(request), instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            invoice_settings_save(
                shop=shop,
                values={name: form.cleaned_data[name] for name in SETTINGS_FIELDS},
                actor=request.user,
            )
        except ShopCtrlError as error:
            form_error_from(form, error)
        else:
            messages.success(request, "Invoicing settings saved.")
            return redirect("invoicing:settings", shop_id=shop.pk)
    return render(
        request,
        "invoicing/settings.html",
        {"shop": shop, "form": form, "active": "invoicing", "vat_categories": vat_categories(shop)},
        status=400 if form.errors else 200,
    )
