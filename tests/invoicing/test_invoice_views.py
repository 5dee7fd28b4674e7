"""The invoice pages on orders built in the database: settings, drafting from a group
shipment's receiving page, pre-flight and Amazon's reasons on the invoice page, line
corrections, credit notes, the PDF and the reconciliation's invoiced column."""

import pytest
from django.urls import reverse

from core.outbox import OutboxStatus
from invoicing.models import Invoice, InvoiceSettings, InvoiceStatus, InvoiceSubmission
from tests.support.invoicing import received_in_db, shipped_in_db
from tests.support.pdfs import page_text

pytestmark = pytest.mark.django_db

SETTINGS = {
    "legal_name": "Acme Kitchen GmbH",
    "remit_to_party_id": "VNDR1",
    "address_line1": "Industriestraße 5",
    "address_line2": "",
    "postal_code": "04109",
    "city": "Leipzig",
    "country_code": "DE",
    "tax_registration_type": "VAT",
    "tax_registration_number": "DE123456789",
    "tax_type": "VAT",
    "number_prefix": "INV-",
    "next_number": "100",
    "payment_terms_days": "30",
    "default_basis": "received",
    "pdf_template": "",
}


def _set_up(admin_client, shop, **changes):
    url = reverse("invoicing:settings", args=[shop.pk])
    return admin_client.post(url, {**SETTINGS, **changes})


def test_the_settings_page_stores_the_shops_invoicing(admin_client, shop):
    page = admin_client.get(reverse("invoicing:settings", args=[shop.pk]))
    assert page.status_code == 200 and b"Remit-to party ID" in page.content

    response = _set_up(admin_client, shop)

    assert response.status_code == 302
    settings = InvoiceSettings.objects.get(shop=shop)
    assert (settings.legal_name, settings.next_number, settings.payment_terms_days) == (
        "Acme Kitchen GmbH",
        100,
        30,
    )
    settings_page = admin_client.get(reverse("shops:settings-general", args=[shop.pk]))
    assert reverse("invoicing:settings", args=[shop.pk]).encode() in settings_page.content


def test_a_template_that_cannot_print_is_refused(admin_client, shop):
    response = _set_up(admin_client, shop, pdf_template="{% for x in %}")
    assert response.status_code == 400
    assert not InvoiceSettings.objects.filter(shop=shop).exists()


def test_draft_from_the_receiving_page_then_send_and_see_the_reconciliation(
    admin_client, shop, group
):
    _set_up(admin_client, shop)
    order = shipped_in_db(shop, group, "PO-V1", {1: 10})  # row 1: 12 shipped, 10 received
    recon_url = reverse("receiving:group-reconciliation", args=[shop.pk, group.pk])
    page = admin_client.get(recon_url)
    assert b"data-invoice-group" in page.content

    response = admin_client.post(
        reverse("invoicing:group-invoice", args=[shop.pk, group.pk]), {"basis": ""}
    )

    invoice = Invoice.objects.get(shop=shop)
    assert response.url == reverse("invoicing:invoice-detail", args=[shop.pk, invoice.pk])
    assert invoice.number == "INV-000100" and invoice.basis == "received"
    detail = admin_client.get(response.url)
    assert b"data-send-invoice" in detail.content and b"data-preflight" not in detail.content
    assert sorted(invoice.lines.values_list("quantity", flat=True)) == [6, 10]

    admin_client.post(reverse("invoicing:invoice-send", args=[shop.pk, invoice.pk]))
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT
    submission = invoice.submissions.get()
    assert submission.payload["id"] == "INV-000100"
    # the reconciliation counts what is on its way
    page = admin_client.get(recon_url)
    assert b"data-invoiced-total>16<" in page.content.replace(b" ", b"")
    assert order.pk


def test_the_invoice_page_shows_preflight_and_amazons_reasons(admin_client, shop, group):
    _set_up(admin_client, shop)
    shipped_in_db(shop, group, "PO-V2", {})
    admin_client.post(reverse("invoicing:group-invoice", args=[shop.pk, group.pk]))
    invoice = Invoice.objects.get(shop=shop)
    line = invoice.lines.get(item_sequence_number=1)
    detail_url = reverse("invoicing:invoice-detail", args=[shop.pk, invoice.pk])

    admin_client.post(
        reverse("invoicing:invoice-line", args=[shop.pk, invoice.pk, line.pk]),
        {"quantity": line.quantity + 3, "net_cost": str(line.net_cost)},
    )
    page = admin_client.get(detail_url)
    assert b"data-preflight" in page.content and b"shipped in ASNs" in page.content
    sent = admin_client.post(reverse("invoicing:invoice-send", args=[shop.pk, invoice.pk]))
    assert sent.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT and not invoice.submissions.exists()

    InvoiceSubmission.objects.create(
        invoice=invoice,
        payload={},
        status=OutboxStatus.ERROR,
        errors=[
            {
                "code": "QUANTITY_EXCEEDS_RECEIVED",
                "message": "The invoiced quantity is greater than the received quantity.",
                "details": "PO PO-V2 item 1",
            }
        ],
    )
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.REFUSED)
    page = admin_client.get(detail_url)
    assert b"QUANTITY_EXCEEDS_RECEIVED" in page.content
    assert b"data-amazon-errors" in page.content


def test_the_pdf_comes_from_the_document_engine(admin_client, shop, group):
    _set_up(admin_client, shop)
    shipped_in_db(shop, group, "PO-V3", {})
    admin_client.post(reverse("invoicing:group-invoice", args=[shop.pk, group.pk]))
    invoice = Invoice.objects.get(shop=shop)

    response = admin_client.get(reverse("invoicing:invoice-pdf", args=[shop.pk, invoice.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    own = "<h1>Rechnung {{ invoice.number }}</h1><p>{{ invoice.total }}</p>"
    assert _set_up(admin_client, shop, pdf_template=own, next_number="200").status_code == 302
    response = admin_client.get(reverse("invoicing:invoice-pdf", args=[shop.pk, invoice.pk]))
    assert response.content.startswith(b"%PDF")


def test_a_credit_note_from_the_invoice_page(admin_client, shop, group):
    _set_up(admin_client, shop)
    order = shipped_in_db(shop, group, "PO-V4", None)  # invoiced on the ASN ...
    admin_client.post(
        reverse("invoicing:group-invoice", args=[shop.pk, group.pk]), {"basis": "shipped"}
    )
    invoice = Invoice.objects.get(shop=shop)
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.ACCEPTED)
    received_in_db(order, {1: 10})  # ... then the FC counted 10 of row 1's 12
    page = admin_client.get(reverse("invoicing:invoice-detail", args=[shop.pk, invoice.pk]))
    assert b"Draft credit note" in page.content

    response = admin_client.post(
        reverse("invoicing:invoice-credit", args=[shop.pk, invoice.pk]), {"kind": "shortage"}
    )

    note = Invoice.objects.get(shop=shop, invoice_type="CreditNote")
    assert response.url == reverse("invoicing:invoice-detail", args=[shop.pk, note.pk])
    assert list(note.lines.values_list("item_sequence_number", "quantity")) == [(1, 2)]
    assert note.reference == invoice and note.credit_kind == "shortage"


def test_the_invoice_page_says_what_to_do_next(admin_client, viewer_client, shop, group):
    _set_up(admin_client, shop)
    shipped_in_db(shop, group, "PO-V5", {})
    admin_client.post(reverse("invoicing:group-invoice", args=[shop.pk, group.pk]))
    invoice = Invoice.objects.get(shop=shop)
    detail_url = reverse("invoicing:invoice-detail", args=[shop.pk, invoice.pk])

    page = admin_client.get(detail_url).content.decode()
    assert "data-ready-to-send" in page and "<th>Correct</th>" in page
    as_viewer = viewer_client.get(detail_url).content.decode()
    assert "<th>Correct</th>" not in as_viewer and "data-send-invoice" not in as_viewer

    InvoiceSubmission.objects.create(invoice=invoice, payload={}, status=OutboxStatus.SUBMITTED)
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.SENT)
    assert "reload this page" in admin_client.get(detail_url).content.decode()

    InvoiceSubmission.objects.filter(invoice=invoice).update(
        status=OutboxStatus.ERROR, errors=[{"code": "X", "message": "No.", "details": ""}]
    )
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.REFUSED)
    assert "send the invoice again" in admin_client.get(detail_url).content.decode()


def test_an_accepted_shortage_is_credited_once_and_a_credit_note_is_not_credited(
    admin_client, shop, group
):
    _set_up(admin_client, shop)
    order = shipped_in_db(shop, group, "PO-V6", None)
    admin_client.post(
        reverse("invoicing:group-invoice", args=[shop.pk, group.pk]), {"basis": "shipped"}
    )
    invoice = Invoice.objects.get(shop=shop)
    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.ACCEPTED)
    received_in_db(order, {1: 10})  # row 1: 12 shipped and invoiced, 10 received
    credit_url = reverse("invoicing:invoice-credit", args=[shop.pk, invoice.pk])
    admin_client.post(credit_url, {"kind": "shortage"})
    note = Invoice.objects.get(shop=shop, invoice_type="CreditNote")

    again = admin_client.post(credit_url, {"kind": "shortage"}, follow=True)

    assert Invoice.objects.filter(shop=shop, invoice_type="CreditNote").count() == 1
    assert "No shortage to credit: Amazon received every unit" in again.content.decode()
    Invoice.objects.filter(pk=note.pk).update(status=InvoiceStatus.ACCEPTED)
    note_page = admin_client.get(reverse("invoicing:invoice-detail", args=[shop.pk, note.pk]))
    assert b"Draft credit note" not in note_page.content
    invoice_page = admin_client.get(reverse("invoicing:invoice-detail", args=[shop.pk, invoice.pk]))
    assert b"Draft credit note" in invoice_page.content
    assert "bills shipped quantities" in invoice_page.content.decode()


def test_preflight_stops_billing_more_than_amazon_received(admin_client, shop, group):
    _set_up(admin_client, shop)
    order = shipped_in_db(shop, group, "PO-V7", None)
    admin_client.post(
        reverse("invoicing:group-invoice", args=[shop.pk, group.pk]), {"basis": "shipped"}
    )
    invoice = Invoice.objects.get(shop=shop)
    received_in_db(order, {1: 10})  # row 1: 12 shipped and drafted, then 10 received

    page = admin_client.get(reverse("invoicing:invoice-detail", args=[shop.pk, invoice.pk]))

    content = page.content.decode()
    assert "data-preflight" in content
    assert "12 units invoiced in all, but Amazon&#x27;s FC received only 10" in content
    assert "data-send-invoice disabled" in content


def test_the_pdf_of_an_invoice_not_sent_yet_says_it_is_a_draft(admin_client, shop, group):
    _set_up(admin_client, shop)
    shipped_in_db(shop, group, "PO-V8", {})
    admin_client.post(reverse("invoicing:group-invoice", args=[shop.pk, group.pk]))
    invoice = Invoice.objects.get(shop=shop)
    pdf_url = reverse("invoicing:invoice-pdf", args=[shop.pk, invoice.pk])

    draft = " ".join(page_text(admin_client.get(pdf_url).content))
    assert "DRAFT, not sent to Amazon" in draft
    own = "<h1>Rechnung {{ invoice.number }}</h1>"  # the shop's template: the footer says it
    assert _set_up(admin_client, shop, pdf_template=own, next_number="200").status_code == 302
    assert "DRAFT, not sent to Amazon" in " ".join(page_text(admin_client.get(pdf_url).content))

    Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.ACCEPTED)
    sent = " ".join(page_text(admin_client.get(pdf_url).content))
    assert invoice.number in sent and "DRAFT" not in sent
