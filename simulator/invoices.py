"""submitInvoices (vendorInvoices), checked as Amazon checks it, and what the simulator shows
of the invoices it accepted.

Like the other submissions, the POST answers 202 with a transactionId once the body passes
the schema; the business rules below decide the transaction's outcome, which getTransaction
reports after `transaction_delay` seconds of Processing. A transaction fails as a whole: no
invoice of a failed request is kept. Invoices are checked in arrival order, each against the
ones accepted before it (also earlier in the same request).

Rules (Amazon's, as the Vendor Central invoice guide states them):
- the invoice number is unique for the vendor (DUPLICATE_INVOICE_ID);
- an Invoice's items name real POs and PO lines (INVALID_PO_NUMBER, INVALID_ITEM);
- one currency: the invoice total's, every item's and the POs' (INVALID_CURRENCY);
- a PO line is invoiced, over all accepted invoices, at most what accepted ASNs shipped
  (QUANTITY_EXCEEDS_SHIPPED) and, once the FC has received it, at most what it received
  (QUANTITY_EXCEEDS_RECEIVED: the units a shortage claim would take back);
- net costs are positive, and the invoice total is the items' net amounts plus the taxes
  and charges, less allowances (INVOICE_TOTAL_MISMATCH; Amazon's invoiceTotal is "the total
  amount of invoice (including charges, less allowances)");
- charges and allowances (chargeDetails, allowanceDetails) have amounts greater than zero
  (INVALID_CHARGE_AMOUNT, INVALID_ALLOWANCE_AMOUNT) in the invoice's currency, their taxes
  too (INVALID_CURRENCY), and the allowances take off no more than the items and charges
  bill (ALLOWANCE_EXCEEDS_INVOICE);
- the invoice's taxDetails, when given, add up to the items' and charges' taxes less the
  allowances' (TAX_TOTAL_MISMATCH);
- a CreditNote names an accepted invoice (INVALID_REFERENCE_INVOICE) and credits at most
  what that invoice billed per PO line (QUANTITY_EXCEEDS_INVOICED).
"""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from simulator.orders_api import known_index
from simulator.receiving import line_flow
from simulator.render import iso
from simulator.state import AcceptedInvoice, InvoiceRecord, SimulatorState
from simulator.transactions import submit_in_order
from simulator.wire import Context, Request, Response, error

Json = Mapping[str, Any]
CENT = Decimal("0.01")


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _eaches(quantity: Json) -> int:
    amount = int(quantity.get("amount", 0))
    if quantity.get("unitOfMeasure") == "Cases":
        return amount * int(quantity.get("unitSize") or 1)
    return amount


def _item_amount(item: Json) -> Decimal:
    """An item's net amount: quantity × net cost, or weight × net cost when priced by weight."""
    cost = _decimal(item["netCost"].get("amount")) or Decimal(0)
    weight = (item["invoicedQuantity"].get("totalWeight") or {}).get("amount")
    if item.get("netCostUnitOfMeasure") and weight is not None:
        return cost * (_decimal(weight) or Decimal(0))
    return cost * _eaches(item["invoicedQuantity"])


def _tax_total(details: Any) -> Decimal:
    return sum(
        (_decimal(d["taxAmount"].get("amount")) or Decimal(0) for d in details or ()), Decimal(0)
    )


def _sum_of(details: Any, field: str) -> Decimal:
    """Charges or allowances of the invoice (their own taxes are in the invoice's taxDetails)."""
    return sum((_decimal(d[field].get("amount")) or Decimal(0) for d in details or ()), Decimal(0))


# (the invoice's field, the amount's field, the error code, what a person calls it)
ADJUSTMENTS = (
    ("chargeDetails", "chargeAmount", "INVALID_CHARGE_AMOUNT", "charge"),
    ("allowanceDetails", "allowanceAmount", "INVALID_ALLOWANCE_AMOUNT", "allowance"),
)


def _adjustment_errors(invoice: Json, currency: str, where: str) -> list[dict[str, str]]:
    """The charges' and allowances' own rules: positive amounts, the invoice's currency."""
    errors = []
    for details, field, code, word in ADJUSTMENTS:
        for entry in invoice.get(details) or ():
            at = f"{where}, {entry['type']} {word}"
            amount = _decimal(entry[field].get("amount"))
            if amount is None or amount <= 0:
                errors.append(error(code, f"{field} must be greater than zero.", at))
            taxes = entry.get("taxDetails") or ()
            moneys = [entry[field], *(t["taxAmount"] for t in taxes)]
            moneys += [t["taxableAmount"] for t in taxes if t.get("taxableAmount")]
            if any(m.get("currencyCode", currency) != currency for m in moneys):
                detail = f"{at}: not in {currency}"
                errors.append(error("INVALID_CURRENCY", "An invoice has one currency.", detail))
    return errors


def _totals_errors(
    invoice: Json, items: list[Json], net: Decimal, where: str
) -> list[dict[str, str]]:
    """The invoice's totals against its items, charges and allowances."""
    errors = []
    charges = _sum_of(invoice.get("chargeDetails"), "chargeAmount")
    allowances = _sum_of(invoice.get("allowanceDetails"), "allowanceAmount")
    if allowances > (net + charges).quantize(CENT):
        errors.append(
            error(
                "ALLOWANCE_EXCEEDS_INVOICE",
                "The allowances are greater than the invoiced amount.",
                f"{where}: allowances {allowances}, items and charges {(net + charges):.2f}",
            )
        )
    stated_taxes = invoice.get("taxDetails")
    parts = [
        *(t for item in items for t in item.get("taxDetails") or ()),
        *(t for c in invoice.get("chargeDetails") or () for t in c.get("taxDetails") or ()),
    ]
    taken_off = [
        t for a in invoice.get("allowanceDetails") or () for t in a.get("taxDetails") or ()
    ]
    if stated_taxes:
        stated_tax = _tax_total(stated_taxes)
        expected_tax = _tax_total(parts) - _tax_total(taken_off)
        if abs(stated_tax - expected_tax) > CENT * max(1, len(stated_taxes)):
            errors.append(
                error(
                    "TAX_TOTAL_MISMATCH",
                    "taxDetails are not the items' and charges' taxes less the allowances'.",
                    f"{where}: stated {stated_tax}, items, charges and allowances make "
                    f"{expected_tax}",
                )
            )
    stated = _decimal((invoice.get("invoiceTotal") or {}).get("amount"))
    expected = (net + _tax_total(stated_taxes) + charges - allowances).quantize(CENT)
    if stated is None or abs(stated - expected) > CENT * max(1, len(items)):
        errors.append(
            error(
                "INVOICE_TOTAL_MISMATCH",
                "invoiceTotal is not the items' net amounts plus taxes and charges, less "
                "allowances.",
                f"{where}: stated {stated}, items, taxes, charges and allowances make {expected}",
            )
        )
    return errors


def _invoiced(earlier: list[InvoiceRecord], kind: str) -> dict[tuple[str, int], int]:
    totals: dict[tuple[str, int], int] = {}
    for record in earlier:
        if record.invoice_type == kind:
            for key, eaches in record.quantities.items():
                totals[key] = totals.get(key, 0) + eaches
    return totals


def check_invoice(
    ctx: Context, invoice: Json, now: float, earlier: list[InvoiceRecord]
) -> tuple[list[dict[str, str]], InvoiceRecord | None]:
    """Every rule `invoice` breaks, and its record when it breaks none."""
    number = invoice["id"]
    kind = invoice["invoiceType"]
    where = f"invoice {number}"
    errors: list[dict[str, str]] = []
    if any(record.invoice_id == number for record in earlier):
        errors.append(
            error(
                "DUPLICATE_INVOICE_ID", "An invoice with this number was already submitted.", where
            )
        )
    currency = (invoice.get("invoiceTotal") or {}).get("currencyCode", "")
    items = invoice.get("items") or []
    if not items:
        errors.append(error("MISSING_ITEMS", "An invoice must have at least one item.", where))
    reference: InvoiceRecord | None = None
    if kind == "CreditNote":
        ref = (invoice.get("creditNoteDetails") or {}).get("referenceInvoiceNumber", "")
        reference = next(
            (r for r in earlier if r.invoice_id == ref and r.invoice_type == "Invoice"), None
        )
        if reference is None:
            errors.append(
                error(
                    "INVALID_REFERENCE_INVOICE",
                    "The credit note must reference an accepted invoice.",
                    f"{where}: no invoice {ref or '(none given)'}",
                )
            )
    invoiced = _invoiced(earlier, "Invoice")
    credited = _invoiced(
        [r for r in earlier if reference is not None and r.reference == reference.invoice_id],
        "CreditNote",
    )
    quantities: dict[tuple[str, int], int] = {}
    net = Decimal(0)
    for item in items:
        seq = int(item["itemSequenceNumber"])
        po = item.get("purchaseOrderNumber", "")
        at = f"{where}, PO {po or '?'} item {seq}"
        cost = _decimal(item["netCost"].get("amount"))
        if cost is None or cost <= 0:
            errors.append(error("INVALID_NET_COST", "netCost must be greater than zero.", at))
        if item["netCost"].get("currencyCode", currency) != currency:
            errors.append(
                error("INVALID_CURRENCY", "An invoice has one currency.", f"{at}: not {currency}")
            )
        eaches = _eaches(item["invoicedQuantity"])
        if eaches <= 0:
            errors.append(error("INVALID_QUANTITY", "Quantity must be greater than zero.", at))
        net += _item_amount(item)
        if not po:
            if kind == "Invoice":
                errors.append(error("MISSING_PO_NUMBER", "An invoice item needs its PO.", at))
            continue
        index = known_index(ctx, po, now)
        if index is None:
            errors.append(error("INVALID_PO_NUMBER", "Invalid purchase order number.", at))
            continue
        order = ctx.purchase_order(index)
        line = next((line for line in order.lines if line.seq == seq), None)
        if line is None:
            errors.append(error("INVALID_ITEM", "The item is not on the purchase order.", at))
            continue
        po_currency = order.currency or ctx.config.currency
        if currency != po_currency:
            errors.append(
                error(
                    "INVALID_CURRENCY",
                    "The invoice currency is not the purchase order's.",
                    f"{at}: {currency}, the PO is in {po_currency}",
                )
            )
        key = (po, seq)
        quantities[key] = quantities.get(key, 0) + eaches
        if kind == "CreditNote":
            billed = (reference.quantities.get(key, 0) if reference else 0) - credited.get(key, 0)
            if reference is not None and quantities[key] > billed:
                errors.append(
                    error(
                        "QUANTITY_EXCEEDS_INVOICED",
                        "The credited quantity is greater than the invoiced quantity.",
                        f"{at}: credits {quantities[key]} units, {billed} invoiced and not "
                        "credited yet",
                    )
                )
            continue
        flow = line_flow(ctx, po, seq, line.unit_size, now)
        total = invoiced.get(key, 0) + quantities[key]
        if total > flow.shipped:
            errors.append(
                error(
                    "QUANTITY_EXCEEDS_SHIPPED",
                    "The invoiced quantity is greater than the shipped quantity.",
                    f"{at}: invoiced {total} units in all, shipped {flow.shipped}",
                )
            )
        elif flow.received is not None and total > flow.received:
            errors.append(
                error(
                    "QUANTITY_EXCEEDS_RECEIVED",
                    "The invoiced quantity is greater than the received quantity.",
                    f"{at}: invoiced {total} units in all, received {flow.received}",
                )
            )
    errors += _adjustment_errors(invoice, currency, where)
    errors += _totals_errors(invoice, items, net, where)
    if errors:
        return errors, None
    return [], InvoiceRecord(
        invoice_id=number,
        invoice_type=kind,
        reference=reference.invoice_id if reference else "",
        received_at=now,
        quantities=quantities,
        currency=currency,
        total=str(_decimal(invoice["invoiceTotal"].get("amount"))),
        invoice=invoice,
    )


def submit_invoices(ctx: Context, request: Request, _: dict[str, str]) -> Response:
    """POST /vendor/payments/v1/invoices."""
    state, delay = ctx.state, ctx.config.transaction_delay
    return submit_in_order(
        ctx,
        request,
        schema=("vendorInvoices", "SubmitInvoicesRequest"),
        documents=("invoices", "invoice"),
        lock=state.invoice_lock,  # the rules read what earlier invoices stored
        earlier=lambda: [accepted.record for accepted in state.invoices()],
        check=check_invoice,
        store=lambda now, errors, accepted: state.add_transaction(
            kind="invoice", now=now, delay=delay, errors=errors, invoices=accepted
        ),
    )


def accepted_invoices(state: SimulatorState, now: float) -> list[AcceptedInvoice]:
    """The invoices and credit notes whose transaction has succeeded by `now`, oldest first."""
    return [i for i in state.invoices() if i.transaction.status(now) == "Success"]


def invoices_json(state: SimulatorState, now: float) -> list[dict[str, Any]]:
    """What `GET /_simulator/invoices` answers: every accepted invoice and credit note."""
    return [
        {
            "id": a.record.invoice_id,
            "invoiceType": a.record.invoice_type,
            "referenceInvoiceNumber": a.record.reference,
            "transactionId": a.transaction.transaction_id,
            "receivedAt": iso(a.record.received_at),
            "currencyCode": a.record.currency,
            "invoiceTotal": a.record.total,
            "invoicedEaches": [
                {"purchaseOrderNumber": number, "itemSequenceNumber": str(seq), "eaches": eaches}
                for (number, seq), eaches in sorted(a.record.quantities.items())
            ],
            "invoice": a.record.invoice,
        }
        for a in accepted_invoices(state, now)
    ]
