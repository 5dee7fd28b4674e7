"""Invoices to Amazon: `VendorInvoice` → the Invoice JSON of submitInvoices (vendorInvoices
model, https://developer-docs.amazon.com/sp-api/docs/vendor-invoices-api-v1-reference).

Pure functions: no ORM, clock or settings. Amounts are written as decimal strings
(Amazon's `Decimal` type); optional fields that are empty are left out, as the model allows.
"""

from datetime import UTC, datetime
from typing import Any

from amazon1p.spapi.types import (
    CASES,
    Address,
    InvoiceAllowance,
    InvoiceCharge,
    InvoiceTax,
    Money,
    Party,
    Quantity,
    VendorInvoice,
    VendorInvoiceItem,
)


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def _money(money: Money) -> dict[str, str]:
    # Money.unitOfMeasure is not part of the invoice model's Money: a weight unit goes in
    # the item's netCostUnitOfMeasure instead.
    return {"currencyCode": money.currency, "amount": format(money.amount, "f")}


def _date(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{value.microsecond // 1000:03d}Z"
    )


def _address(a: Address) -> dict[str, Any]:
    return {"name": a.name, "addressLine1": a.address_line1, "countryCode": a.country_code} | (
        _drop_empty(
            {
                "addressLine2": a.address_line2,
                "addressLine3": a.address_line3,
                "city": a.city,
                "county": a.county,
                "district": a.district,
                "stateOrRegion": a.state_or_region,
                "postalOrZipCode": a.postal_code,
                "phone": a.phone,
            }
        )
    )


def invoice_party_json(party: Party) -> dict[str, Any]:
    """A PartyIdentification: id, address and tax registration (if known)."""
    data: dict[str, Any] = {"partyId": party.party_id}
    if party.address is not None:
        data["address"] = _address(party.address)
    if party.tax_registration_number:
        data["taxRegistrationDetails"] = [
            {
                "taxRegistrationType": party.tax_registration_type or "VAT",
                "taxRegistrationNumber": party.tax_registration_number,
            }
        ]
    return data


def _tax(tax: InvoiceTax) -> dict[str, Any]:
    return {
        "taxType": tax.tax_type,
        "taxRate": format(tax.rate.normalize(), "f"),
        "taxAmount": _money(tax.amount),
        "taxableAmount": _money(tax.taxable),
    }


def _charge(charge: InvoiceCharge) -> dict[str, Any]:
    """A ChargeDetails: type and net chargeAmount, with its description and taxes if any."""
    data: dict[str, Any] = {"type": charge.type, "chargeAmount": _money(charge.amount)}
    return data | _drop_empty(
        {"description": charge.description, "taxDetails": [_tax(t) for t in charge.taxes]}
    )


def _allowance(allowance: InvoiceAllowance) -> dict[str, Any]:
    """An AllowanceDetails: type and net allowanceAmount (positive: Amazon subtracts it)."""
    data: dict[str, Any] = {"type": allowance.type, "allowanceAmount": _money(allowance.amount)}
    return data | _drop_empty(
        {"description": allowance.description, "taxDetails": [_tax(t) for t in allowance.taxes]}
    )


def _quantity(quantity: Quantity, total_weight: Any, weight_unit: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"amount": quantity.amount, "unitOfMeasure": quantity.unit}
    if quantity.unit == CASES and quantity.unit_size:
        data["unitSize"] = quantity.unit_size
    if total_weight is not None and weight_unit:
        data["totalWeight"] = {"unitOfMeasure": weight_unit, "amount": format(total_weight, "f")}
    return data


def invoice_item_json(item: VendorInvoiceItem) -> dict[str, Any]:
    """An InvoiceItem: the PO line, its quantity (and weight), net cost and taxes."""
    weight_unit = item.net_cost.unit_of_measure
    data: dict[str, Any] = {
        "itemSequenceNumber": item.sequence_number,
        "invoicedQuantity": _quantity(item.quantity, item.total_weight, weight_unit),
        "netCost": _money(item.net_cost),
    }
    return data | _drop_empty(
        {
            "amazonProductIdentifier": item.asin,
            "vendorProductIdentifier": item.vendor_product_id,
            "netCostUnitOfMeasure": weight_unit,
            "purchaseOrderNumber": item.purchase_order_number,
            "taxDetails": [_tax(t) for t in item.taxes],
        }
    )


def invoice_json(invoice: VendorInvoice) -> dict[str, Any]:
    """One Invoice of submitInvoices' body (an invoice or a credit note), with its charges and
    allowances."""
    data: dict[str, Any] = {
        "invoiceType": invoice.invoice_type,
        "id": invoice.number,
        "date": _date(invoice.date),
        "remitToParty": invoice_party_json(invoice.remit_to),
        "invoiceTotal": _money(invoice.total),
    }
    credit = _drop_empty(
        {
            "referenceInvoiceNumber": invoice.reference_invoice_number,
            "returnsReferenceNumber": invoice.returns_reference_number,
            "goodsReturnDate": _date(invoice.goods_return_date)
            if invoice.goods_return_date
            else None,
        }
    )
    return data | _drop_empty(
        {
            "shipToParty": invoice_party_json(invoice.ship_to) if invoice.ship_to else None,
            "shipFromParty": invoice_party_json(invoice.ship_from) if invoice.ship_from else None,
            "billToParty": invoice_party_json(invoice.bill_to) if invoice.bill_to else None,
            "paymentTerms": {"type": "Basic", "netDueDays": invoice.net_due_days}
            if invoice.net_due_days is not None
            else None,
            "taxDetails": [_tax(t) for t in invoice.taxes],
            "chargeDetails": [_charge(c) for c in invoice.charges],
            "allowanceDetails": [_allowance(a) for a in invoice.allowances],
            "creditNoteDetails": credit,
            "items": [invoice_item_json(item) for item in invoice.items],
        }
    )
