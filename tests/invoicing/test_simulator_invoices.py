"""The simulator's submitInvoices: the model's schema (400), then Amazon's rules through the
transaction status (Failure with reasons): real POs and items, one currency, totals, unique
numbers, credit notes of accepted invoices. Quantities against shipped and received are
covered end to end (test_invoices_e2e.py)."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from amazon1p.spapi.errors import AmazonRejectedError
from amazon1p.spapi.invoices import invoice_json
from amazon1p.spapi.types import Money, Party, Quantity, VendorInvoice, VendorInvoiceItem
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
