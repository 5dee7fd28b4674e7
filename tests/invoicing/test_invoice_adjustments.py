"""Charges and allowances on orders built in the database: the invoice page adds and removes
them on drafts (with the form's errors, the audit log, and nobody else's invoice), the
totals and the PDF show them, credit notes take none, our types are Amazon's, and the
payload with every type follows Amazon's model."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from amazon1p.spapi.invoices import invoice_json
from amazon1p.spapi.types import (
    InvoiceAllowance,
    InvoiceCharge,
    InvoiceTax,
    Money,
    Party,
    Quantity,
    VendorInvoice,
    VendorInvoiceItem,
)
from invoicing.documents import invoice_pdf
from invoicing.models import (
    AdjustmentKind,
    AllowanceType,
    ChargeType,
    Invoice,
    InvoiceAdjustment,
    InvoiceStatus,
)
from invoicing.preflight import invoice_totals
from invoicing.services import InvoiceError, invoice_adjustment_add, invoice_create_from_group
from shops.models import AuditEntry
from simulator.validation import schema_errors
from tests.support.invoicing import shipped_in_db
from tests.support.pdfs import page_text
from tests.support.spapi_schema import load_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(shop, group, admin_user, invoicing) -> Invoice:
    shipped_in_db(shop, group, "PO-C1", {})
    return invoice_create_from_group(group=group, basis="shipped", actor=admin_user)


def _add_url(invoice: Invoice) -> str:
    return reverse("invoicing:invoice-adjustment-add", args=[invoice.shop_id, invoice.pk])


def _detail_url(invoice: Invoice) -> str:
    return reverse("invoicing:invoice-detail", args=[invoice.shop_id, invoice.pk])


FREIGHT = {
    "adjustment_type": "Freight",
    "description": "Carrier's bill 4711",
    "amount": "45.50",
    "tax_rate": "19",
}


def test_staff_add_and_remove_charges_and_allowances_on_a_draft(admin_client, draft):
    page = admin_client.get(_detail_url(draft)).content.decode()
    assert "data-adjustment-form" in page and '<optgroup label="Allowances (taken off)">' in page
    items = invoice_totals(list(draft.lines.all())).items

    added = admin_client.post(_add_url(draft), FREIGHT)
    admin_client.post(
        _add_url(draft),
        {"adjustment_type": "Promotional", "amount": "10.00", "tax_rate": "19"},
    )

    assert added.status_code == 302 and added.url == _detail_url(draft)
    freight, promotion = draft.adjustments.all()  # charges first
    assert (freight.kind, freight.type, freight.amount, freight.tax_amount) == (
        AdjustmentKind.CHARGE,
        "Freight",
        Decimal("45.50"),
        Decimal("8.65"),
    )
    assert (promotion.kind, promotion.type, promotion.tax_amount) == (
        AdjustmentKind.ALLOWANCE,
        "Promotional",
        Decimal("1.90"),
    )
    page = admin_client.get(_detail_url(draft)).content.decode().replace(" ", "")
    assert 'data-adjustment="charge:Freight"' in page
    assert "data-allowances-total>−10.00<" in page
    assert f"data-net-total>{items + Decimal('35.50'):.2f}<" in page
    assert AuditEntry.objects.filter(action="invoice.charge_add", target_id=str(draft.pk)).exists()

    remove = reverse(
        "invoicing:invoice-adjustment-remove", args=[draft.shop_id, draft.pk, freight.pk]
    )
    assert admin_client.post(remove).status_code == 302
    assert admin_client.post(remove).status_code == 302  # a second click: nothing to remove
    assert list(draft.adjustments.values_list("type", flat=True)) == ["Promotional"]
    assert AuditEntry.objects.filter(action="invoice.charge_remove").count() == 1


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({**FREIGHT, "amount": "0"}, "greater than or equal to 0.01"),
        ({**FREIGHT, "amount": "-5"}, "greater than or equal to 0.01"),
        ({**FREIGHT, "amount": "12.345"}, "no more than 2 decimal places"),
        ({**FREIGHT, "amount": ""}, "This field is required"),
        ({**FREIGHT, "tax_rate": "120"}, "less than or equal to 100"),
        ({**FREIGHT, "adjustment_type": "Bribe"}, "Select a valid choice"),
        ({**FREIGHT, "adjustment_type": ""}, "This field is required"),
        ({**FREIGHT, "description": "x" * 201}, "at most 200 characters"),
    ],
)
def test_the_form_says_what_is_wrong_and_adds_nothing(admin_client, draft, values, error):
    response = admin_client.post(_add_url(draft), values)

    assert response.status_code == 400
    page = response.content.decode()
    assert error in page and "has-error" in page
    assert not draft.adjustments.exists()


def test_an_invoice_on_its_way_or_accepted_takes_no_charges(admin_client, draft):
    Invoice.objects.filter(pk=draft.pk).update(status=InvoiceStatus.SENT)

    response = admin_client.post(_add_url(draft), FREIGHT, follow=True)

    assert "is sent to amazon: it is fixed" in response.content.decode()
    assert not draft.adjustments.exists()
    assert "data-adjustment-form" not in response.content.decode()


def test_a_viewer_or_another_shop_cannot_touch_the_charges(
    viewer_client, other_client, admin_client, draft, other_shop, admin_user
):
    charge = invoice_adjustment_add(
        invoice=draft,
        kind="charge",
        adjustment_type="Freight",
        amount=Decimal("10.00"),
        tax_rate=Decimal(0),
        actor=admin_user,
    )
    remove = reverse(
        "invoicing:invoice-adjustment-remove", args=[draft.shop_id, draft.pk, charge.pk]
    )
    assert "data-adjustment-form" not in viewer_client.get(_detail_url(draft)).content.decode()
    assert viewer_client.post(_add_url(draft), FREIGHT).status_code == 403
    assert viewer_client.post(remove).status_code == 403
    assert other_client.post(_add_url(draft), FREIGHT).status_code == 404
    assert other_client.post(remove).status_code == 404
    # another shop's invoice under this shop's URL: not found either
    other_invoice = Invoice.objects.create(
        shop=other_shop, number="X-1", ship_to_party_id="LEJ1", currency="EUR"
    )
    foreign = reverse("invoicing:invoice-adjustment-add", args=[draft.shop_id, other_invoice.pk])
    assert admin_client.post(foreign, FREIGHT).status_code == 404
    assert list(draft.adjustments.all()) == [charge] and not other_invoice.adjustments.exists()


def test_the_service_refuses_a_type_of_the_other_kind_and_credit_notes(draft, admin_user):
    with pytest.raises(InvoiceError) as refused:
        invoice_adjustment_add(
            invoice=draft,
            kind="allowance",
            adjustment_type="Freight",
            amount=Decimal("1.00"),
            tax_rate=Decimal(0),
            actor=admin_user,
        )
    assert refused.value.message == "Freight is not one of Amazon's allowance types."
    assert refused.value.field == "adjustment_type"

    Invoice.objects.filter(pk=draft.pk).update(status=InvoiceStatus.ACCEPTED)
    note = Invoice.objects.create(
        shop=draft.shop,
        invoice_type="CreditNote",
        number="CN-1",
        ship_to_party_id=draft.ship_to_party_id,
        currency=draft.currency,
        reference=draft,
    )
    with pytest.raises(InvoiceError, match="A credit note credits lines only"):
        invoice_adjustment_add(
            invoice=note,
            kind="charge",
            adjustment_type="Freight",
            amount=Decimal("1.00"),
            tax_rate=Decimal(0),
            actor=admin_user,
        )


def test_the_pdf_lists_the_charges_and_allowances(draft, admin_user):
    for kind, kind_type, amount, text in (
        ("charge", "Freight", "45.50", "Carrier's bill 4711"),
        ("allowance", "Promotional", "10.00", "Spring promotion"),
    ):
        invoice_adjustment_add(
            invoice=draft,
            kind=kind,
            adjustment_type=kind_type,
            description=text,
            amount=Decimal(amount),
            tax_rate=Decimal("19"),
            actor=admin_user,
        )
    totals = invoice_totals(list(draft.lines.all()), list(draft.adjustments.all()))

    text = " ".join(page_text(invoice_pdf(draft)))

    assert "Charge: Freight" in text and "Carrier's bill 4711" in text
    assert "Allowance: Promotional" in text and "-10.00" in text
    assert f"{totals.net:.2f}" in text and f"{totals.total:.2f}" in text
    assert totals.net == totals.items + Decimal("35.50")


def test_our_types_are_amazons():
    definitions = load_model("vendorInvoices")["definitions"]
    assert ChargeType.values == definitions["ChargeDetails"]["properties"]["type"]["enum"]
    assert AllowanceType.values == definitions["AllowanceDetails"]["properties"]["type"]["enum"]


def test_a_payload_with_every_charge_and_allowance_type_follows_amazons_model():
    vat = InvoiceTax(
        "VAT", Decimal(19), Money(Decimal("5.00"), "EUR"), Money(Decimal("0.95"), "EUR")
    )
    invoice = VendorInvoice(
        invoice_type="Invoice",
        number="INV-1",
        date=datetime.now(UTC),
        remit_to=Party("VNDR1"),
        total=Money(Decimal("10.00"), "EUR"),
        items=(
            VendorInvoiceItem(
                sequence_number=1,
                quantity=Quantity(1),
                net_cost=Money(Decimal("10.00"), "EUR"),
                purchase_order_number="2AB3CD4E",
            ),
        ),
        charges=tuple(
            InvoiceCharge(t, Money(Decimal("5.00"), "EUR"), "a charge", (vat,))
            for t in ChargeType.values
        ),
        allowances=tuple(
            InvoiceAllowance(t, Money(Decimal("5.00"), "EUR")) for t in AllowanceType.values
        ),
    )

    body = invoice_json(invoice)

    assert schema_errors("vendorInvoices", "SubmitInvoicesRequest", {"invoices": [body]}) == []
    assert body["allowanceDetails"][0] == {
        "type": "Discount",
        "allowanceAmount": {"currencyCode": "EUR", "amount": "5.00"},
    }
    assert len(body["chargeDetails"]) == len(ChargeType.values)
    assert InvoiceAdjustment._meta.get_field("type").max_length >= max(
        len(t) for t in [*ChargeType.values, *AllowanceType.values]
    )
