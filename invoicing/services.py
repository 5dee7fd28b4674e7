"""Invoicing workflows: settings, invoices from a confirmed group shipment or from received
quantities, line corrections, charges and allowances on drafts, credit notes, and
submitting (pre-flight, then an outbox row sent after commit, exactly once: see
invoicing/outbox.py).

Invoice numbers come from the shop's series without gaps: the settings row is locked
(`select_for_update`) while a number is taken, in the transaction that stores the invoice,
so concurrent creations queue and a rolled-back one gives its number back.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from amazon1p.spapi.invoices import invoice_json
from amazon1p.spapi.types import (
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
from asn.models import GroupShipment, GroupShipmentStatus
from core.errors import ShopCtrlError
from core.tasks import delay_on_commit
from invoicing.documents import invoice_template_errors
from invoicing.models import (
    ADJUSTMENT_DESCRIPTION_MAX,
    ADJUSTMENT_TYPES,
    AdjustmentKind,
    CreditKind,
    Invoice,
    InvoiceAdjustment,
    InvoiceBasis,
    InvoiceLine,
    InvoiceSettings,
    InvoiceStatus,
    InvoiceSubmission,
    InvoiceType,
)
from invoicing.preflight import (
    Violation,
    adjustment_label,
    invoice_totals,
    line_net_amount,
    line_tax_amount,
    money,
    preflight,
)
from invoicing.selectors import (
    acknowledged_net_costs,
    group_shipped_eaches,
    invoiced_eaches,
    po_numbers,
    received_eaches,
    ship_to_of,
    shipped_by_row,
    unit_weights_kg,
)
from orders.models import Order, OrderRow
from shops.audit import audit_record
from shops.models import Shop, VatTariff

KG_PER = {
    "KILOGRAMS": Decimal(1),
    "GRAMS": Decimal("0.001"),
    "POUNDS": Decimal("0.45359237"),
    "OUNCES": Decimal("0.028349523125"),
}


class InvoiceError(ShopCtrlError):
    """An invoice that cannot be made or changed."""


class InvoiceRefused(InvoiceError):
    """The invoice cannot go: `violations` says why, all at once."""

    def __init__(self, message: str, violations: list[Violation] | None = None) -> None:
        super().__init__(message)
        self.violations = violations or []


def _actor(actor: User | None) -> User | None:
    return actor if actor is not None and actor.is_authenticated else None


# --- settings -----------------------------------------------------------------------------


def invoice_settings_save(*, shop: Shop, values: Mapping[str, Any], actor: User) -> InvoiceSettings:
    """Store the shop's invoicing settings (the form's cleaned values). The number series
    may move forward only past numbers already used (unique per shop)."""
    with transaction.atomic():
        current = InvoiceSettings.objects.select_for_update().filter(shop=shop).first()
        before = {k: getattr(current, k) for k in values} if current else {}
        settings = current or InvoiceSettings(shop=shop)
        for name, value in values.items():
            setattr(settings, name, value)
        problems = invoice_template_errors(settings.pdf_template) if settings.pdf_template else []
        if problems:
            raise InvoiceError(" ".join(problems), field="pdf_template")
        if Invoice.objects.filter(shop=shop, number=_number(settings)).exists():
            raise InvoiceError(
                f"Invoice number {_number(settings)} is already used: start the series after "
                "the numbers issued.",
                field="next_number",
            )
        settings.save()
        audit_record(
            actor=actor,
            shop=shop,
            action="invoice_settings.update" if current else "invoice_settings.create",
            target=settings,
            changes={k: [before.get(k), v] for k, v in values.items() if before.get(k) != v},
        )
    return settings


def _number(settings: InvoiceSettings) -> str:
    return f"{settings.number_prefix}{settings.next_number:06d}"


def invoice_number_take(shop: Shop) -> str:
    """The next number of the shop's series; call inside the transaction that stores the
    invoice (the lock queues concurrent callers; a rollback gives the number back)."""
    settings = InvoiceSettings.objects.select_for_update().filter(shop=shop).first()
    if settings is None:
        raise InvoiceError("Set up invoicing first (legal entity, remit-to party, numbers).")
    number = _number(settings)
    settings.next_number += 1
    settings.save(update_fields=["next_number", "updated_at"])
    return number


# --- creating invoices ------------------------------------------------------------------


@dataclass(frozen=True)
class LineDraft:
    row: OrderRow
    quantity: int


def _tax_rate(row: OrderRow, default: VatTariff | None) -> Decimal:
    tariff = row.vat_tariff if row.vat_tariff_id else default
    return tariff.rate if tariff is not None else Decimal(0)


def _weight(row: OrderRow, quantity: int, unit_kg: Decimal | None) -> Decimal | None:
    """The weight `quantity` eaches bill, in the row's price unit (from the pack file's unit
    weight); None when not known."""
    if not row.price_unit or unit_kg is None:
        return None
    return (unit_kg * quantity / KG_PER[row.price_unit]).quantize(Decimal("0.001"))


def _lines_build(invoice: Invoice, drafts: list[LineDraft]) -> list[InvoiceLine]:
    order_ids = list({d.row.order_id for d in drafts})
    numbers = po_numbers(order_ids)
    acknowledged = acknowledged_net_costs(order_ids)
    weights = unit_weights_kg([d.row.pk for d in drafts])
    default = VatTariff.objects.filter(shop_id=invoice.shop_id, is_default=True).first()
    lines = []
    for draft in drafts:
        row = draft.row
        cost, unit = acknowledged.get(
            (row.order_id, row.position), (row.unit_price, row.price_unit)
        )
        line = InvoiceLine(
            invoice=invoice,
            row=row,
            po_number=numbers.get(row.order_id, ""),
            item_sequence_number=row.position,
            asin=row.asin,
            ean=row.ean,
            quantity=draft.quantity,
            net_cost=cost if cost is not None else Decimal(0),
            price_unit=unit or "",
            weight=_weight(row, draft.quantity, weights.get(row.pk)) if unit else None,
            tax_rate=_tax_rate(row, default),
        )
        _amounts(line)
        lines.append(line)
    return lines


def _amounts(line: InvoiceLine) -> None:
    net = line_net_amount(line)
    line.net_amount = net if net is not None else Decimal(0)
    line.tax_amount = line_tax_amount(line.net_amount, line.tax_rate)


def _invoice_create(
    *,
    shop: Shop,
    orders: list[Order],
    drafts: list[LineDraft],
    basis: str,
    actor: User | None,
    group: GroupShipment | None = None,
) -> Invoice:
    drafts = [d for d in drafts if d.quantity > 0]
    if not drafts:
        raise InvoiceError(
            "Nothing left to invoice: every unit is invoiced already (once Amazon's FC has "
            "counted a line, what it received; before, what the accepted ASNs shipped)."
        )
    ship_tos = {ship_to_of(order) for order in orders}
    if len(ship_tos) != 1:
        raise InvoiceError("One invoice covers the POs of one ship-to party only.")
    currencies = {order.currency for order in orders}
    if len(currencies) != 1:
        raise InvoiceError("One invoice has one currency: these POs have several.")
    with transaction.atomic():
        invoice = Invoice.objects.create(
            shop=shop,
            number=invoice_number_take(shop),
            basis=basis,
            group=group,
            ship_to_party_id=ship_tos.pop(),
            currency=currencies.pop(),
            created_by=_actor(actor),
        )
        InvoiceLine.objects.bulk_create(_lines_build(invoice, drafts))
        audit_record(
            actor=actor,
            shop=shop,
            action="invoice.create",
            target=invoice,
            changes={"number": invoice.number, "basis": basis},
        )
    return invoice


def invoice_create_from_group(
    *, group: GroupShipment, basis: str | None = None, actor: User | None
) -> Invoice:
    """An invoice of a confirmed group shipment: what it shipped (basis shipped; once Amazon
    counted a line, no more than it received) or what Amazon received of its lines (basis
    received), less what other invoices billed."""
    group = GroupShipment.objects.select_related("shop").get(pk=group.pk)
    if group.status != GroupShipmentStatus.CONFIRMED:
        raise InvoiceError(f"{group.code} is not confirmed by Amazon yet: nothing to invoice.")
    settings = InvoiceSettings.objects.filter(shop_id=group.shop_id).first()
    basis = basis or (settings.default_basis if settings else InvoiceBasis.RECEIVED)
    here = group_shipped_eaches(group)
    rows = list(OrderRow.objects.filter(pk__in=here).select_related("order", "vat_tariff"))
    orders = list({row.order_id: row.order for row in rows}.values())
    drafts = _quantities(rows, basis, cap=here)
    return _invoice_create(
        shop=group.shop, orders=orders, drafts=drafts, basis=basis, actor=actor, group=group
    )


def invoice_create_from_orders(
    *, shop: Shop, orders: list[Order], basis: str, actor: User | None
) -> Invoice:
    """An invoice over several POs of one ship-to party: per line what was shipped or
    received (per `basis`), less what other invoices billed."""
    if not orders:
        raise InvoiceError("Choose at least one purchase order.")
    if any(order.shop_id != shop.pk for order in orders):
        raise InvoiceError("Every purchase order must be this shop's.")
    rows = list(OrderRow.objects.filter(order__in=orders).select_related("order", "vat_tariff"))
    return _invoice_create(
        shop=shop, orders=orders, drafts=_quantities(rows, basis), basis=basis, actor=actor
    )


def _quantities(
    rows: list[OrderRow], basis: str, cap: Mapping[int, int] | None = None
) -> list[LineDraft]:
    row_ids = [row.pk for row in rows]
    shipped = shipped_by_row(list({row.order_id for row in rows}))
    received = received_eaches(row_ids)
    billed = invoiced_eaches(row_ids)
    drafts = []
    for row in rows:
        if basis == InvoiceBasis.RECEIVED:
            got = received.get(row.pk)
            if got is None:
                continue  # not received yet
            open_units = min(got, shipped.get(row.pk, 0)) - billed.get(row.pk, 0)
        else:
            # What the ASNs shipped; once Amazon's FC has counted the line, no more than it
            # received (Amazon refuses more, and pre-flight says so).
            got = received.get(row.pk)
            limit = shipped.get(row.pk, 0) if got is None else min(got, shipped.get(row.pk, 0))
            open_units = limit - billed.get(row.pk, 0)
        if cap is not None:
            open_units = min(open_units, cap.get(row.pk, 0))
        drafts.append(LineDraft(row, max(0, open_units)))
    return sorted(drafts, key=lambda d: (d.row.order_id, d.row.position))


# --- changing drafts ----------------------------------------------------------------------


def _draft(invoice: Invoice) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.can_send:
        raise InvoiceError(f"{invoice} is {invoice.get_status_display().lower()}: it is fixed.")
    return invoice


def invoice_line_set(
    *,
    line: InvoiceLine,
    quantity: int,
    net_cost: Decimal,
    weight: Decimal | None,
    actor: User,
) -> InvoiceLine:
    """Correct a line of a draft (or refused) invoice; its amounts follow. A quantity of 0
    takes the line off the invoice (Amazon received none of it, say): Amazon's items need a
    quantity above zero, and an invoice keeps at least one line."""
    with transaction.atomic():
        invoice = _draft(line.invoice)
        line = InvoiceLine.objects.select_for_update().get(pk=line.pk, invoice=invoice)
        if quantity == 0:
            _line_remove(invoice, line, actor)
            return line
        before = {"quantity": line.quantity, "net_cost": line.net_cost, "weight": line.weight}
        line.quantity, line.net_cost, line.weight = quantity, net_cost, weight
        _amounts(line)
        line.save()
        audit_record(
            actor=actor,
            shop=invoice.shop,
            action="invoice.line_update",
            target=invoice,
            changes={
                f"{line.po_number}/{line.item_sequence_number} {k}": [str(v), str(getattr(line, k))]
                for k, v in before.items()
                if v != getattr(line, k)
            },
        )
    return line


def _line_remove(invoice: Invoice, line: InvoiceLine, actor: User) -> None:
    if not invoice.lines.exclude(pk=line.pk).exists():
        raise InvoiceError(
            "This is the invoice's only line: an invoice bills at least one unit.",
            field="quantity",
        )
    line.delete()
    audit_record(
        actor=actor,
        shop=invoice.shop,
        action="invoice.line_remove",
        target=invoice,
        changes={
            f"{line.po_number}/{line.item_sequence_number} quantity": [str(line.quantity), "0"]
        },
    )


# --- charges and allowances ---------------------------------------------------------------


def invoice_adjustment_add(
    *,
    invoice: Invoice,
    kind: str,
    adjustment_type: str,
    amount: Decimal,
    tax_rate: Decimal,
    description: str = "",
    actor: User,
) -> InvoiceAdjustment:
    """Add a charge (freight, packing ...) or an allowance (a promotional discount ...) to a
    draft (or refused) invoice: `amount` net in the invoice's currency, its tax at
    `tax_rate` follows. Each call adds one (two calls, two charges), as a person adds them
    on the invoice page; pre-flight checks them with the whole invoice before it is sent."""
    if kind not in AdjustmentKind.values:
        raise InvoiceError("Choose a charge or an allowance.", field="adjustment_type")
    kind_label = AdjustmentKind(kind).label.lower()
    if adjustment_type not in ADJUSTMENT_TYPES[AdjustmentKind(kind)].values:
        raise InvoiceError(
            f"{adjustment_type or 'No type'} is not one of Amazon's {kind_label} types.",
            field="adjustment_type",
        )
    if amount <= 0:
        raise InvoiceError(
            "The amount must be greater than zero (an allowance is entered positive: it is "
            "taken off).",
            field="amount",
        )
    if money(amount) != amount:
        raise InvoiceError("Give the amount to the cent.", field="amount")
    if not Decimal(0) <= tax_rate <= Decimal(100):
        raise InvoiceError("The tax rate is a percentage from 0 to 100.", field="tax_rate")
    description = description.strip()
    if len(description) > ADJUSTMENT_DESCRIPTION_MAX:
        raise InvoiceError(
            f"The description has at most {ADJUSTMENT_DESCRIPTION_MAX} characters.",
            field="description",
        )
    with transaction.atomic():
        invoice = _draft(invoice)
        if invoice.is_credit_note:
            raise InvoiceError(
                "A credit note credits lines only: charges and allowances go on invoices."
            )
        adjustment = InvoiceAdjustment.objects.create(
            invoice=invoice,
            kind=kind,
            type=adjustment_type,
            description=description,
            amount=amount,
            tax_rate=tax_rate,
            tax_amount=line_tax_amount(amount, tax_rate),
        )
        audit_record(
            actor=actor,
            shop=invoice.shop,
            action=f"invoice.{kind}_add",
            target=invoice,
            changes={
                adjustment_label(adjustment): [
                    None,
                    f"{amount} {invoice.currency} + {adjustment.tax_amount} tax ({tax_rate}%)",
                ]
            },
        )
    return adjustment


def invoice_adjustment_remove(*, adjustment: InvoiceAdjustment, actor: User) -> bool:
    """Remove a charge or allowance from a draft (or refused) invoice. False when it was
    removed already (a second click changes nothing)."""
    with transaction.atomic():
        invoice = _draft(adjustment.invoice)
        deleted, _ = InvoiceAdjustment.objects.filter(pk=adjustment.pk, invoice=invoice).delete()
        if deleted:
            audit_record(
                actor=actor,
                shop=invoice.shop,
                action=f"invoice.{adjustment.kind}_remove",
                target=invoice,
                changes={
                    adjustment_label(adjustment): [
                        f"{adjustment.amount} {invoice.currency} + {adjustment.tax_amount} tax",
                        None,
                    ]
                },
            )
    return bool(deleted)


# --- credit notes -------------------------------------------------------------------------


def credit_note_create(
    *,
    invoice: Invoice,
    kind: str,
    quantities: Mapping[int, int] | None = None,
    amounts: Mapping[int, Decimal] | None = None,
    returns_reference: str = "",
    actor: User | None,
) -> Invoice:
    """A credit note of an accepted invoice, by `kind`:

    - accepted shortage: per line, what the invoice billed and Amazon did not receive
      (`quantities` may narrow it);
    - returns: `quantities` per invoice line id, at the invoiced net cost;
    - price difference: `quantities` and the per-unit difference in `amounts`.
    """
    invoice = Invoice.objects.select_related("shop").get(pk=invoice.pk)
    if invoice.invoice_type != InvoiceType.INVOICE or invoice.status != InvoiceStatus.ACCEPTED:
        raise InvoiceError("Only an invoice Amazon accepted can be credited.")
    if kind not in CreditKind.values:
        raise InvoiceError("Choose what the credit note is for.")
    if kind == CreditKind.RETURN and not returns_reference:
        raise InvoiceError(
            "Amazon needs the returns notice number for a returns credit note.",
            field="returns_reference",
        )
    lines = list(invoice.lines.select_related("row"))
    received = received_eaches([line.row_id for line in lines])
    # What the invoice's earlier shortage credit notes (any status: a refused one is sent
    # again) already credit, so the same missing units are never credited twice.
    short_credited = dict(
        InvoiceLine.objects.filter(
            invoice__reference=invoice, invoice__credit_kind=CreditKind.SHORTAGE
        )
        .values_list("row_id")
        .annotate(total=Sum("quantity"))
    )
    credits: list[InvoiceLine] = []
    for line in lines:
        if kind == CreditKind.SHORTAGE:
            missing = max(
                0,
                line.quantity
                - (received.get(line.row_id) or 0)
                - short_credited.get(line.row_id, 0),
            )
            units = min(missing, (quantities or {}).get(line.pk, missing))
        else:
            units = (quantities or {}).get(line.pk, 0)
        if units <= 0:
            continue
        cost = (
            (amounts or {}).get(line.pk, line.net_cost)
            if kind == CreditKind.PRICE
            else (line.net_cost)
        )
        credit = InvoiceLine(
            row=line.row,
            po_number=line.po_number,
            item_sequence_number=line.item_sequence_number,
            asin=line.asin,
            ean=line.ean,
            quantity=units,
            net_cost=cost,
            price_unit=line.price_unit,
            weight=(line.weight * units / line.quantity).quantize(Decimal("0.001"))
            if line.weight is not None
            else None,
            tax_rate=line.tax_rate,
        )
        _amounts(credit)
        credits.append(credit)
    if not credits and kind == CreditKind.SHORTAGE:
        raise InvoiceError(
            f"No shortage to credit: Amazon received every unit {invoice.number} billed, or "
            "its shortage is credited already. For returns or a price difference, choose that "
            "and give the units."
        )
    if not credits:
        raise InvoiceError("Nothing to credit: give the quantities of at least one line.")
    with transaction.atomic():
        note = Invoice.objects.create(
            shop_id=invoice.shop_id,
            invoice_type=InvoiceType.CREDIT_NOTE,
            number=invoice_number_take(invoice.shop),
            ship_to_party_id=invoice.ship_to_party_id,
            currency=invoice.currency,
            reference=invoice,
            credit_kind=kind,
            returns_reference=returns_reference,
            created_by=_actor(actor),
        )
        for credit in credits:
            credit.invoice = note
        InvoiceLine.objects.bulk_create(credits)
        audit_record(
            actor=actor,
            shop=invoice.shop,
            action="credit_note.create",
            target=note,
            changes={"number": note.number, "invoice": invoice.number, "kind": kind},
        )
    return note


# --- submitting ---------------------------------------------------------------------------


def _party(party_id: str, values: Mapping[str, str] | None) -> Party:
    values = values or {}
    address = None
    if values.get("name") and values.get("address_line1") and values.get("country_code"):
        address = Address(
            name=values["name"],
            address_line1=values["address_line1"],
            country_code=values["country_code"],
            address_line2=values.get("address_line2", ""),
            city=values.get("city", ""),
            state_or_region=values.get("state_or_region", ""),
            postal_code=values.get("postal_code", ""),
        )
    return Party(
        party_id=party_id,
        address=address,
        tax_registration_type=values.get("tax_registration_type", ""),
        tax_registration_number=values.get("tax_registration_number", ""),
    )


def vendor_invoice(invoice: Invoice, settings: InvoiceSettings, when: datetime) -> VendorInvoice:
    """The invoice in the words of amazon1p.spapi (what `invoice_json` sends)."""
    lines = list(invoice.lines.all())
    adjustments = list(invoice.adjustments.all())
    currency = invoice.currency
    totals = invoice_totals(lines, adjustments)

    def taxes(adjustment: InvoiceAdjustment) -> tuple[InvoiceTax, ...]:
        return (
            InvoiceTax(
                settings.tax_type,
                adjustment.tax_rate,
                Money(adjustment.amount, currency),
                Money(adjustment.tax_amount, currency),
            ),
        )

    first_order = lines[0].row.order
    parties = first_order.parties or {}
    bill_to = parties.get("bill_to") or {}
    remit_to = _party(
        settings.remit_to_party_id,
        {
            "name": settings.legal_name,
            "address_line1": settings.address_line1,
            "address_line2": settings.address_line2,
            "city": settings.city,
            "postal_code": settings.postal_code,
            "country_code": settings.country_code,
            "tax_registration_type": settings.tax_registration_type,
            "tax_registration_number": settings.tax_registration_number,
        },
    )
    items = tuple(
        VendorInvoiceItem(
            sequence_number=line.item_sequence_number,
            quantity=Quantity(line.quantity),
            net_cost=Money(line.net_cost.normalize(), currency, line.price_unit or None),
            purchase_order_number=line.po_number,
            asin=line.asin,
            vendor_product_id=line.ean,
            total_weight=line.weight if line.price_unit else None,
            taxes=(
                InvoiceTax(
                    settings.tax_type,
                    line.tax_rate,
                    Money(line.net_amount, currency),
                    Money(line.tax_amount, currency),
                ),
            ),
        )
        for line in lines
    )
    return VendorInvoice(
        invoice_type=invoice.invoice_type,
        number=invoice.number,
        date=when,
        remit_to=remit_to,
        total=Money(totals.total, currency),
        items=items,
        bill_to=_party(bill_to["party_id"], bill_to) if bill_to.get("party_id") else None,
        ship_to=Party(invoice.ship_to_party_id) if invoice.ship_to_party_id else None,
        net_due_days=settings.payment_terms_days,
        taxes=tuple(
            InvoiceTax(settings.tax_type, rate, Money(taxable, currency), Money(tax, currency))
            for rate, taxable, tax in totals.taxes
        ),
        charges=tuple(
            InvoiceCharge(a.type, Money(a.amount, currency), a.description, taxes(a))
            for a in adjustments
            if not a.is_allowance
        ),
        allowances=tuple(
            InvoiceAllowance(a.type, Money(a.amount, currency), a.description, taxes(a))
            for a in adjustments
            if a.is_allowance
        ),
        reference_invoice_number=invoice.reference.number if invoice.reference else "",
        returns_reference_number=invoice.returns_reference,
        goods_return_date=when if invoice.credit_kind == CreditKind.RETURN else None,
    )


def invoice_submit(*, invoice: Invoice, actor: User | None) -> InvoiceSubmission:
    """Check the invoice against Amazon's rules, fix its content and queue it (sent after
    commit, exactly once). Raises InvoiceRefused with every violation."""
    from invoicing.tasks import invoice_send_task

    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if not invoice.can_send:
            raise InvoiceRefused(
                f"{invoice} is {invoice.get_status_display().lower()}: it cannot be sent again."
            )
        violations = preflight(invoice)
        if violations:
            raise InvoiceRefused(
                f"{invoice} breaks {len(violations)} of Amazon's invoice rules: "
                + " ".join(v.message for v in violations),
                violations,
            )
        settings = InvoiceSettings.objects.get(shop_id=invoice.shop_id)
        now = timezone.now()
        invoice.invoice_date = now
        invoice.status = InvoiceStatus.SENT
        invoice.save(update_fields=["invoice_date", "status"])
        submission = InvoiceSubmission.objects.create(
            invoice=invoice,
            payload=invoice_json(vendor_invoice(invoice, settings, now)),
            created_by=_actor(actor),
        )
        audit_record(
            actor=actor,
            shop=invoice.shop,
            action="invoice.submit",
            target=invoice,
            changes={"number": invoice.number, "type": invoice.invoice_type},
        )
        delay_on_commit(invoice_send_task, submission.pk)
    return submission
