"""The simulator's submitInvoices: the model's schema (400), then Amazon's rules through the
transaction status (Failure with reasons): real POs and items, one currency, totals (with
charges and allowances), unique numbers, credit notes of accepted invoices. Quantities
against shipped and received are covered end to end (test_invoices_e2e.py)."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from amazon1p.spapi.errors import AmazonRejectedError
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
from simulator.validation import schema_errors
from tests.support.invoicing import invoices_at_amazon

pytestmark = pytest.mark.django_db  # the fixtures' shop


def _a_po(api) -> tuple[str, str]:
    """(number, currency) of a PO the simulator holds."""
    now = datetime.now(UTC)
    for page in api.list_purchase_orders(created_after=now - timedelta(days=2), created_before=now):
        for order in page.orders:
            if order.items and order.items[0].net_cost is not None:
                return order.number, order.items[0].net_cost.currency
    raise AssertionError("the simulator listed no PO")


def _invoice(number: str, po: str, currency: str, **overrides) -> dict:
    values = {
        "invoice_type": "Invoice",
        "number": number,
        "date": datetime.now(UTC),
        "remit_to": Party("VNDR1"),
        "total": Money(Decimal(overrides.pop("total", "10.00")), currency),
        "items": (
            VendorInvoiceItem(
                sequence_number=overrides.pop("seq", 1),
                quantity=Quantity(1),
                net_cost=Money(Decimal("10.00"), overrides.pop("cost_in", currency)),
                purchase_order_number=po,
            ),
        ),
    }
    return invoice_json(VendorInvoice(**{**values, **overrides}))


def _outcome(api, body: dict) -> tuple[str, set[str]]:
    transaction_id = api.submit_invoice_bodies([body])
    for _ in range(100):
        status = api.get_transaction(transaction_id)
        if status.is_final:
            return status.status, {e.code for e in status.errors}
        time.sleep(0.05)
    raise AssertionError("still processing")


def test_our_invoice_json_follows_amazons_model():
    body = {"invoices": [_invoice("INV-1", "2AB3CD4E", "EUR")]}
    assert schema_errors("vendorInvoices", "SubmitInvoicesRequest", body) == []


def test_a_body_against_the_model_is_refused_outright(api):
    with pytest.raises(AmazonRejectedError) as refused:
        api.submit_invoice_bodies([{"invoiceType": "Invoic", "id": "X"}])
    assert refused.value.status == 400


def test_amazons_rules_fail_the_transaction_with_reasons(api):
    po, currency = _a_po(api)
    stamp = time.time_ns()
    assert _outcome(api, _invoice(f"U{stamp}", "NOSUCHPO", currency)) == (
        "Failure",
        {"INVALID_PO_NUMBER"},
    )
    assert _outcome(api, _invoice(f"I{stamp}", po, currency, seq=999)) == (
        "Failure",
        {"INVALID_ITEM"},
    )
    other = "JPY" if currency != "JPY" else "USD"
    status, codes = _outcome(api, _invoice(f"C{stamp}", po, currency, cost_in=other))
    assert status == "Failure" and "INVALID_CURRENCY" in codes
    status, codes = _outcome(api, _invoice(f"T{stamp}", po, currency, total="99.00"))
    assert status == "Failure" and "INVOICE_TOTAL_MISMATCH" in codes
    # nothing was shipped: billing a unit is refused, and nothing is kept
    status, codes = _outcome(api, _invoice(f"Q{stamp}", po, currency))
    assert codes == {"QUANTITY_EXCEEDS_SHIPPED"}


def test_a_credit_note_needs_an_accepted_invoice(api, sim):
    po, currency = _a_po(api)
    number = f"CN{time.time_ns()}"
    body = _invoice(number, po, currency, invoice_type="CreditNote")
    body["creditNoteDetails"] = {"referenceInvoiceNumber": "NEVER-SENT"}
    assert _outcome(api, body) == ("Failure", {"INVALID_REFERENCE_INVOICE"})
    assert invoices_at_amazon(sim, number) == []


def _charge(amount: str, currency: str, tax: str = "") -> InvoiceCharge:
    """A freight charge; with `tax`, its 19 % tax detail."""
    money = Money(Decimal(amount), currency)
    if not tax:
        return InvoiceCharge("Freight", money)
    vat = InvoiceTax("VAT", Decimal(19), money, Money(Decimal(tax), currency))
    return InvoiceCharge("Freight", money, "Carrier's bill", (vat,))


def _allowance(amount: str, currency: str) -> InvoiceAllowance:
    return InvoiceAllowance("Promotional", Money(Decimal(amount), currency), "Spring promotion")


def test_charges_and_allowances_count_in_the_total_and_are_checked(api):
    po, currency = _a_po(api)
    stamp = time.time_ns()

    def outcome(name: str, total: str, **details) -> set[str]:
        status, codes = _outcome(
            api, _invoice(f"{name}{stamp}", po, currency, total=total, **details)
        )
        assert status == "Failure"  # nothing was shipped: QUANTITY_EXCEEDS_SHIPPED at least
        return codes - {"QUANTITY_EXCEEDS_SHIPPED"}

    # items 10.00 + freight 5.00 - promotion 2.00
    both = {"charges": (_charge("5.00", currency),), "allowances": (_allowance("2.00", currency),)}
    assert outcome("A", "13.00", **both) == set()
    assert outcome("B", "10.00", **both) == {"INVOICE_TOTAL_MISMATCH"}
    assert outcome("C", "10.00", allowances=(_allowance("0", currency),)) == {
        "INVALID_ALLOWANCE_AMOUNT"
    }
    assert outcome("D", "5.00", charges=(_charge("-5.00", currency),)) == {
        "INVALID_CHARGE_AMOUNT"  # a discount is an allowance, not a negative charge
    }
    assert outcome("E", "-5.00", allowances=(_allowance("15.00", currency),)) == {
        "ALLOWANCE_EXCEEDS_INVOICE"
    }
    other = "JPY" if currency != "JPY" else "USD"
    assert outcome("F", "15.00", charges=(_charge("5.00", other),)) == {"INVALID_CURRENCY"}
    # the invoice's taxDetails say 1.90, the charge's tax is 0.95 (and the item has none)
    stated = (
        InvoiceTax(
            "VAT", Decimal(19), Money(Decimal("10"), currency), Money(Decimal("1.90"), currency)
        ),
    )
    charge = (_charge("5.00", currency, "0.95"),)
    assert outcome("G", "16.90", charges=charge, taxes=stated) == {"TAX_TOTAL_MISMATCH"}
