"""Charges and allowances end to end against the simulator with the real client: an invoice
with a freight charge and a promotional allowance is accepted with the totals Amazon
computes (and a credit note of it still goes through), and inconsistent ones are stopped by
pre-flight with messages a person can act on."""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from core.outbox import OutboxStatus
from invoicing.models import AdjustmentKind, CreditKind, InvoiceAdjustment, InvoiceStatus
from invoicing.preflight import preflight
from invoicing.services import (
    InvoiceRefused,
    credit_note_create,
    invoice_adjustment_add,
    invoice_adjustment_remove,
    invoice_create_from_group,
    invoice_submit,
)
from simulator.validation import schema_errors
from tests.support.invoicing import follow, invoices_at_amazon, received, ship, weighed

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _invoice_of_received(shop, order, admin_user, api):
    group = ship(shop, order, admin_user, api)
    received(shop, api)
    return weighed(invoice_create_from_group(group=group, actor=admin_user), admin_user)


def test_an_invoice_with_freight_and_a_promotional_allowance_is_accepted_with_its_totals(
    shop, shipped_order, admin_user, api, sim, invoicing
):
    invoice = _invoice_of_received(shop, shipped_order, admin_user, api)
    lines = list(invoice.lines.all())
    currency = invoice.currency
    rate = lines[0].tax_rate
    items = sum((line.net_amount for line in lines), Decimal(0))
    items_tax = sum((line.tax_amount for line in lines), Decimal(0))
    at_rate = sum((line.net_amount for line in lines if line.tax_rate == rate), Decimal(0))
    promotion = _cents(at_rate / 10)  # 10 % off the items at the first line's rate
    assert promotion > 0
    invoice_adjustment_add(
        invoice=invoice,
        kind=AdjustmentKind.CHARGE,
        adjustment_type="Freight",
        description="Carrier's bill 4711",
        amount=Decimal("45.50"),
        tax_rate=Decimal("19"),
        actor=admin_user,
    )
    invoice_adjustment_add(
        invoice=invoice,
        kind=AdjustmentKind.ALLOWANCE,
        adjustment_type="Promotional",
        description="Spring promotion",
        amount=promotion,
        tax_rate=rate,
        actor=admin_user,
    )
    promotion_tax = _cents(promotion * rate / 100)
    expected_tax = items_tax + Decimal("8.65") - promotion_tax  # 19 % of 45.50 is 8.645
    expected_total = items + Decimal("45.50") - promotion + expected_tax
    assert preflight(invoice) == []

    submission = invoice_submit(invoice=invoice, actor=admin_user)
    body = {"invoices": [submission.payload]}
    assert schema_errors("vendorInvoices", "SubmitInvoicesRequest", body) == []
    sent = follow(submission, api)

    assert sent.status == OutboxStatus.SUCCESS, sent.errors
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.ACCEPTED
    [at_amazon] = invoices_at_amazon(sim, invoice.number)
    assert Decimal(at_amazon["invoiceTotal"]) == expected_total
    payload = at_amazon["invoice"]
    assert payload["invoiceTotal"] == {"currencyCode": currency, "amount": f"{expected_total}"}
    assert payload["chargeDetails"] == [
        {
            "type": "Freight",
            "description": "Carrier's bill 4711",
            "chargeAmount": {"currencyCode": currency, "amount": "45.50"},
            "taxDetails": [
                {
                    "taxType": "VAT",
                    "taxRate": "19",
                    "taxAmount": {"currencyCode": currency, "amount": "8.65"},
                    "taxableAmount": {"currencyCode": currency, "amount": "45.50"},
                }
            ],
        }
    ]
    [allowance] = payload["allowanceDetails"]
    assert allowance["type"] == "Promotional" and allowance["description"] == "Spring promotion"
    assert allowance["allowanceAmount"] == {"currencyCode": currency, "amount": f"{promotion}"}
    assert allowance["taxDetails"][0]["taxAmount"]["amount"] == f"{promotion_tax}"
    assert sum(Decimal(t["taxAmount"]["amount"]) for t in payload["taxDetails"]) == expected_tax
    assert sum(Decimal(t["taxableAmount"]["amount"]) for t in payload["taxDetails"]) == (
        items + Decimal("45.50") - promotion
    )

    # Credit notes credit lines only: one of this invoice goes through as before.
    first = invoice.lines.order_by("item_sequence_number").first()
    note = credit_note_create(
        invoice=invoice,
        kind=CreditKind.RETURN,
        quantities={first.pk: 1},
        returns_reference="RN-0815",
        actor=admin_user,
    )
    assert not note.adjustments.exists()
    note_sent = follow(invoice_submit(invoice=note, actor=admin_user), api)
    assert note_sent.status == OutboxStatus.SUCCESS, note_sent.errors
    note_payload = invoices_at_amazon(sim, note.number)[0]["invoice"]
    assert "chargeDetails" not in note_payload and "allowanceDetails" not in note_payload


def test_preflight_stops_allowances_beyond_the_invoice_and_charges_that_do_not_add_up(
    shop, shipped_order, admin_user, api, sim, invoicing
):
    invoice = _invoice_of_received(shop, shipped_order, admin_user, api)
    lines = list(invoice.lines.all())
    items = sum((line.net_amount for line in lines), Decimal(0))
    rate = lines[0].tax_rate
    freight = invoice_adjustment_add(
        invoice=invoice,
        kind=AdjustmentKind.CHARGE,
        adjustment_type="Freight",
        amount=Decimal("20.00"),
        tax_rate=rate,
        actor=admin_user,
    )
    too_much = invoice_adjustment_add(
        invoice=invoice,
        kind=AdjustmentKind.ALLOWANCE,
        adjustment_type="Promotional",
        description="Launch",
        amount=items + Decimal("20.01"),
        tax_rate=rate,
        actor=admin_user,
    )
    # a charge whose stored tax no longer matches its rate (as after a bad import)
    InvoiceAdjustment.objects.filter(pk=freight.pk).update(tax_amount=Decimal("999.99"))

    with pytest.raises(InvoiceRefused) as refused:
        invoice_submit(invoice=invoice, actor=admin_user)

    messages = {v.rule: v.message for v in refused.value.violations}
    assert messages["allowance"] == (
        f"The allowances ({items + Decimal('20.01')} {invoice.currency}) exceed what the "
        f"invoice bills ({items + Decimal('20.00')} {invoice.currency}: items {items} plus "
        "charges 20.00): lower them."
    )
    assert messages["tax"].startswith("Freight charge: the tax does not add up")
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.DRAFT and not invoice.submissions.exists()
    assert invoices_at_amazon(sim, invoice.number) == []

    # An allowance at a rate none of the items bears takes tax off nothing at that rate.
    invoice_adjustment_remove(adjustment=too_much, actor=admin_user)
    InvoiceAdjustment.objects.filter(pk=freight.pk).update(
        tax_amount=_cents(freight.amount * rate / 100)
    )
    other_rate = Decimal("7") if rate != Decimal("7") else Decimal("19")
    invoice_adjustment_add(
        invoice=invoice,
        kind=AdjustmentKind.ALLOWANCE,
        adjustment_type="Discount",
        amount=Decimal("5.00"),
        tax_rate=other_rate,
        actor=admin_user,
    )
    [violation] = preflight(invoice)
    assert violation.rule == "allowance"
    assert f"allowances at {other_rate:.2f}% tax exceed" in violation.message
    assert "give each allowance the tax rate of the items it reduces" in violation.message
