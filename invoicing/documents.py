"""An invoice or credit note as PDF, from the shop's template (or the built-in one), through
the document engine of asn/documents (sandboxed templates, laid out with reportlab).

The template sees only the plain dataclasses below (see asn/documents/sandbox.py for why).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from asn.documents import DocumentError, render_document
from core.errors import ShopCtrlError
from invoicing.models import Invoice, InvoiceSettings
from invoicing.preflight import invoice_totals

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "invoicing" / "documents"


@cache
def default_invoice_template() -> str:
    """The built-in template (templates/invoicing/documents/invoice.html)."""
    return (TEMPLATE / "invoice.html").read_text(encoding="utf-8")


@dataclass(frozen=True)
class DocParty:
    name: str
    address_lines: tuple[str, ...]
    party_id: str = ""
    tax_registration: str = ""


@dataclass(frozen=True)
class DocLine:
    po_number: str
    item_sequence_number: int
    asin: str
    ean: str
    title: str
    quantity: int
    net_cost: Decimal
    price_unit: str
    weight: Decimal | None
    tax_rate: Decimal
    net_amount: Decimal
    tax_amount: Decimal


@dataclass(frozen=True)
class DocAdjustment:
    """A charge or an allowance. `amount` and `tax_amount` are as entered (positive); an
    allowance is taken off (`is_allowance`)."""

    kind: str  # "Charge" or "Allowance"
    type: str  # Amazon's type, in words: "Freight", "Promotional"
    description: str
    amount: Decimal
    tax_rate: Decimal
    tax_amount: Decimal
    is_allowance: bool


@dataclass(frozen=True)
class DocTax:
    rate: Decimal
    taxable: Decimal
    amount: Decimal


@dataclass(frozen=True)
class InvoiceDocument:
    title: str  # "Invoice" or "Credit note"
    number: str
    date: datetime
    currency: str
    seller: DocParty
    bill_to: DocParty
    ship_to: str
    payment_terms_days: int
    reference_number: str
    credit_reason: str
    po_numbers: tuple[str, ...]
    lines: tuple[DocLine, ...]
    taxes: tuple[DocTax, ...]
    net_total: Decimal  # items plus charges less allowances
    tax_total: Decimal
    total: Decimal
    adjustments: tuple[DocAdjustment, ...] = ()  # charges first, then allowances
    items_total: Decimal = Decimal(0)
    charges_total: Decimal = Decimal(0)
    allowances_total: Decimal = Decimal(0)
    draft: bool = False  # not sent to Amazon yet (draft or refused): it may still change

    @property
    def po_list(self) -> str:
        return ", ".join(self.po_numbers)


def invoice_document(invoice: Invoice, settings: InvoiceSettings) -> InvoiceDocument:
    lines = list(invoice.lines.select_related("row__order"))
    adjustments = list(invoice.adjustments.all())
    totals = invoice_totals(lines, adjustments)
    bill = ((lines[0].row.order.parties or {}).get("bill_to") or {}) if lines else {}
    return InvoiceDocument(
        title=invoice.get_invoice_type_display(),
        number=invoice.number,
        date=invoice.invoice_date,
        currency=invoice.currency,
        seller=DocParty(
            settings.legal_name,
            (
                settings.address_line1,
                settings.address_line2,
                f"{settings.postal_code} {settings.city}".strip(),
                settings.country_code,
            ),
            settings.remit_to_party_id,
            f"{settings.tax_registration_type} {settings.tax_registration_number}",
        ),
        bill_to=DocParty(
            bill.get("name", "Amazon"),
            tuple(
                v
                for v in (
                    bill.get("address_line1", ""),
                    f"{bill.get('postal_code', '')} {bill.get('city', '')}".strip(),
                    bill.get("country_code", ""),
                )
                if v
            ),
            bill.get("party_id", ""),
            bill.get("tax_registration_number", ""),
        ),
        ship_to=invoice.ship_to_party_id,
        payment_terms_days=settings.payment_terms_days,
        reference_number=invoice.reference.number if invoice.reference else "",
        credit_reason=invoice.get_credit_kind_display() if invoice.credit_kind else "",
        po_numbers=tuple(dict.fromkeys(line.po_number for line in lines)),
        lines=tuple(
            DocLine(
                line.po_number,
                line.item_sequence_number,
                line.asin,
                line.ean,
                line.row.title,
                line.quantity,
                line.net_cost,
                line.get_price_unit_display() if line.price_unit else "",
                line.weight,
                line.tax_rate,
                line.net_amount,
                line.tax_amount,
            )
            for line in lines
        ),
        taxes=tuple(DocTax(rate, taxable, tax) for rate, taxable, tax in totals.taxes),
        net_total=totals.net,
        tax_total=totals.tax,
        total=totals.total,
        adjustments=tuple(
            DocAdjustment(
                a.get_kind_display(),
                a.get_type_display(),
                a.description,
                a.amount,
                a.tax_rate,
                a.tax_amount,
                a.is_allowance,
            )
            for a in adjustments
        ),
        items_total=totals.items,
        charges_total=totals.charges,
        allowances_total=totals.allowances,
        draft=invoice.can_send,
    )


DRAFT_MARK = "DRAFT, not sent to Amazon"


def invoice_pdf(invoice: Invoice) -> bytes:
    """The invoice's PDF; ShopCtrlError when invoicing is not set up or the shop's template
    cannot be printed."""
    settings = InvoiceSettings.objects.filter(shop_id=invoice.shop_id).first()
    if settings is None:
        raise ShopCtrlError("Set up invoicing first: the PDF shows your legal entity.")
    source = settings.pdf_template or default_invoice_template()
    name = f"{invoice.get_invoice_type_display()} {invoice.number}"
    if invoice.can_send:  # the footer says so whatever the shop's template shows
        name += f" · {DRAFT_MARK}"
    try:
        return render_document(
            source,
            {"invoice": invoice_document(invoice, settings)},
            title=name,
            footer=name,
        )
    except DocumentError as error:
        whose = "The shop's" if settings.pdf_template else "The built-in"
        raise ShopCtrlError(
            f"{whose} invoice template cannot be printed: " + " ".join(error.messages)
        ) from None


def invoice_template_errors(source: str) -> list[str]:
    """Why `source` cannot print an invoice (empty: it can), tried on a sample invoice."""
    sample = InvoiceDocument(
        title="Invoice",
        number="INV-000001",
        date=datetime(2026, 1, 15, 10, 0),
        currency="EUR",
        seller=DocParty("Vendor GmbH", ("Road 1", "04109 Leipzig", "DE"), "VNDR1", "VAT DE1"),
        bill_to=DocParty("Amazon EU S.à r.l.", ("38 avenue John F. Kennedy", "L-1855", "LU")),
        ship_to="LEJ1",
        payment_terms_days=60,
        reference_number="",
        credit_reason="",
        po_numbers=("4ABC1234",),
        lines=tuple(
            DocLine(
                "4ABC1234",
                n,
                "B000000001",
                "4006381333931",
                "Sample product " * 3,
                12,
                Decimal("9.99"),
                "",
                None,
                Decimal("19"),
                Decimal("119.88"),
                Decimal("22.78"),
            )
            for n in range(1, 41)
        ),
        taxes=(DocTax(Decimal("19"), Decimal("4765.20"), Decimal("905.39")),),
        net_total=Decimal("4765.20"),
        tax_total=Decimal("905.39"),
        total=Decimal("5670.59"),
        adjustments=(
            DocAdjustment(
                "Charge",
                "Freight",
                "Carrier's bill 4711",
                Decimal("50.00"),
                Decimal("19"),
                Decimal("9.50"),
                False,
            ),
            DocAdjustment(
                "Allowance",
                "Promotional",
                "Spring promotion",
                Decimal("80.00"),
                Decimal("19"),
                Decimal("15.20"),
                True,
            ),
        ),
        items_total=Decimal("4795.20"),
        charges_total=Decimal("50.00"),
        allowances_total=Decimal("80.00"),
    )
    try:
        render_document(source, {"invoice": sample}, title="Invoice", footer="Invoice")
    except DocumentError as error:
        return error.messages
    return []
