"""Pre-flight: Amazon's invoice rules checked before anything is sent, all at once, each
with a message a person can act on (the invoice page lists them).

- quantities: positive, and a PO line is never billed beyond what accepted ASNs shipped
  nor, once Amazon reports receipts for it, beyond what its FC received (all invoices
  together); a credit note credits at most what its invoice billed;
- PO numbers and item sequence numbers are real: the line's row belongs to that PO, at that
  position, in this shop;
- one currency: the invoice's, every PO's;
- net cost as acknowledged (per weight unit, with the weight, for lines priced by weight);
- tax: each line's tax is its net amount at its rate, and the totals add up;
- the invoice number is set and no other invoice of the shop has it;
- all POs go to the invoice's ship-to party;
- charges and allowances (invoices only): amounts greater than zero, each one's tax its
  amount at its rate, and the allowances no more than what the invoice bills (the items
  and charges), in all and at each tax rate. They are in the invoice's currency: they have
  none of their own, so the one-currency rule holds for them by construction.

Totals: the net is the items plus the charges less the allowances, the tax per rate
likewise, and the invoice total is net plus tax (Amazon's invoiceTotal: "including charges,
less allowances").
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from invoicing.models import (
    Invoice,
    InvoiceAdjustment,
    InvoiceLine,
    InvoiceSettings,
    InvoiceStatus,
)
from invoicing.selectors import (
    BILLED,
    acknowledged_net_costs,
    po_numbers,
    received_eaches,
    ship_to_of,
    shipped_by_row,
)

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    items: Decimal  # the lines' net amounts
    charges: Decimal  # net
    allowances: Decimal  # net, positive: taken off
    taxes: tuple[tuple[Decimal, Decimal, Decimal], ...]  # (rate, taxable, tax) per rate

    @property
    def net(self) -> Decimal:
        return self.items + self.charges - self.allowances

    @property
    def tax(self) -> Decimal:
        return sum((tax for _, _, tax in self.taxes), Decimal(0))

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


def invoice_totals(
    lines: Sequence[InvoiceLine], adjustments: Sequence[InvoiceAdjustment] = ()
) -> Totals:
    """Items, charges and allowances (net), and tax per rate: the sum of the lines' and
    charges' taxes less the allowances' (what each line shows adds up)."""
    by_rate: dict[Decimal, list[Decimal]] = {}

    def add(rate: Decimal, net: Decimal, tax: Decimal) -> None:
        pair = by_rate.setdefault(rate, [Decimal(0), Decimal(0)])
        pair[0] += net
        pair[1] += tax

    for line in lines:
        add(line.tax_rate, line.net_amount, line.tax_amount)
    for adjustment in adjustments:
        sign = -1 if adjustment.is_allowance else 1
        add(adjustment.tax_rate, sign * adjustment.amount, sign * adjustment.tax_amount)
    return Totals(
        items=sum((line.net_amount for line in lines), Decimal(0)),
        charges=sum((a.amount for a in adjustments if not a.is_allowance), Decimal(0)),
        allowances=sum((a.amount for a in adjustments if a.is_allowance), Decimal(0)),
        taxes=tuple((rate, money(v[0]), money(v[1])) for rate, v in sorted(by_rate.items())),
    )


def line_net_amount(line: InvoiceLine) -> Decimal | None:
    """Net cost × quantity, or × weight for a line priced by weight (None: weight unknown)."""
    if line.price_unit:
        return None if line.weight is None else money(line.net_cost * line.weight)
    return money(line.net_cost * line.quantity)


def line_tax_amount(net_amount: Decimal, rate: Decimal) -> Decimal:
    return money(net_amount * rate / 100)


def _billed_elsewhere(invoice: Invoice, row_ids: list[int]) -> dict[int, int]:
    """Order row → eaches billed by the shop's other invoices sent or accepted (for a credit
    note: credited by the other credit notes of its invoice)."""
    lines = InvoiceLine.objects.filter(
        row_id__in=row_ids, invoice__invoice_type=invoice.invoice_type, invoice__status__in=BILLED
    )
    if invoice.is_credit_note:
        lines = lines.filter(invoice__reference_id=invoice.reference_id)
    return dict(
        lines.exclude(invoice=invoice).values_list("row_id").annotate(total=Sum("quantity"))
    )


def preflight(invoice: Invoice) -> list[Violation]:
    """Every rule `invoice` breaks (empty: it may go)."""
    found: list[Violation] = []
    lines = list(invoice.lines.select_related("row__order"))
    if not lines:
        return [Violation("lines", "The invoice has no lines.")]
    if not InvoiceSettings.objects.filter(shop_id=invoice.shop_id).exists():
        found.append(Violation("settings", "Set up invoicing (legal entity, remit-to party)."))
    if not invoice.number:
        found.append(Violation("number", "The invoice has no number."))
    elif (
        Invoice.objects.filter(shop_id=invoice.shop_id, number=invoice.number)
        .exclude(pk=invoice.pk)
        .exists()
    ):
        found.append(Violation("number", f"Invoice number {invoice.number} is already used."))
    orders = {line.row.order_id: line.row.order for line in lines}
    numbers = po_numbers(list(orders))
    for order in orders.values():
        if order.shop_id != invoice.shop_id:
            found.append(Violation("po", f"Order {order.number} is not this shop's."))
        if order.currency != invoice.currency:
            found.append(
                Violation(
                    "currency",
                    f"PO {numbers.get(order.pk, order.number)} is in {order.currency}, the "
                    f"invoice in {invoice.currency}: an invoice has one currency.",
                )
            )
        ship_to = ship_to_of(order)
        if ship_to != invoice.ship_to_party_id:
            found.append(
                Violation(
                    "ship_to",
                    f"PO {numbers.get(order.pk, order.number)} goes to {ship_to or 'no FC'}, "
                    f"the invoice to {invoice.ship_to_party_id}: one ship-to party per invoice.",
                )
            )
    found += _lines_real(lines, numbers)
    found += _quantities(invoice, lines)
    found += _net_costs(invoice, lines, list(orders))
    found += _taxes(lines)
    found += _adjustments(invoice, lines, list(invoice.adjustments.all()))
    return found


def _lines_real(lines: list[InvoiceLine], numbers: dict[int, str]) -> list[Violation]:
    found = []
    for line in lines:
        where = f"PO {line.po_number}, item {line.item_sequence_number}"
        real = numbers.get(line.row.order_id)
        if real is None:
            found.append(Violation("po", f"{where}: no Amazon PO {line.po_number} in this shop."))
        elif real != line.po_number:
            found.append(Violation("po", f"{where}: the row belongs to PO {real}."))
        if line.row.position != line.item_sequence_number:
            found.append(
                Violation("item", f"{where}: PO {real} has no item {line.item_sequence_number}.")
            )
    return found


def _quantities(invoice: Invoice, lines: list[InvoiceLine]) -> list[Violation]:
    found = []
    row_ids = [line.row_id for line in lines]
    here: dict[int, int] = defaultdict(int)
    for line in lines:
        here[line.row_id] += line.quantity
        if line.quantity <= 0:
            found.append(
                Violation(
                    "quantity",
                    f"PO {line.po_number}, item {line.item_sequence_number}: the quantity "
                    "must be greater than zero.",
                )
            )
    elsewhere = _billed_elsewhere(invoice, row_ids)
    if invoice.is_credit_note:
        billed = dict(
            invoice.reference.lines.values_list("row_id").annotate(total=Sum("quantity"))
            if invoice.reference
            else []
        )
        if invoice.reference is None or invoice.reference.status != InvoiceStatus.ACCEPTED:
            found.append(Violation("reference", "A credit note credits an accepted invoice."))
        for line in lines:
            limit = billed.get(line.row_id, 0) - elsewhere.get(line.row_id, 0)
            if here[line.row_id] > limit:
                found.append(
                    Violation(
                        "quantity",
                        f"PO {line.po_number}, item {line.item_sequence_number}: credits "
                        f"{here[line.row_id]} units, {max(limit, 0)} invoiced and not credited.",
                    )
                )
        return found
    shipped = shipped_by_row(list({line.row.order_id for line in lines}))
    received = received_eaches(row_ids)
    for line in lines:
        total = here[line.row_id] + elsewhere.get(line.row_id, 0)
        got = received.get(line.row_id)
        if total > shipped.get(line.row_id, 0):
            found.append(
                Violation(
                    "quantity",
                    f"PO {line.po_number}, item {line.item_sequence_number}: {total} units "
                    f"invoiced in all, but only {shipped.get(line.row_id, 0)} shipped in ASNs "
                    "Amazon accepted.",
                )
            )
        elif got is not None and total > got:
            found.append(
                Violation(
                    "quantity",
                    f"PO {line.po_number}, item {line.item_sequence_number}: {total} units "
                    f"invoiced in all, but Amazon's FC received only {got}: once it has "
                    "received, Amazon refuses to be billed for more (bill what it received).",
                )
            )
    return found


def _net_costs(invoice: Invoice, lines: list[InvoiceLine], order_ids: list[int]) -> list[Violation]:
    if invoice.is_credit_note:  # a credit note's price is the difference credited
        return [
            Violation(
                "net_cost",
                f"PO {line.po_number}, item {line.item_sequence_number}: the amount "
                "must be greater than zero.",
            )
            for line in lines
            if line.net_cost <= 0
        ]
    found = []
    acknowledged = acknowledged_net_costs(order_ids)
    for line in lines:
        where = f"PO {line.po_number}, item {line.item_sequence_number}"
        cost, unit = acknowledged.get(
            (line.row.order_id, line.item_sequence_number),
            (line.row.unit_price, line.row.price_unit),
        )
        if cost is None:
            found.append(Violation("net_cost", f"{where}: the line has no net cost to bill."))
            continue
        if line.net_cost != cost:
            found.append(
                Violation(
                    "net_cost",
                    f"{where}: net cost {line.net_cost:.2f}, acknowledged {cost:.2f}: bill the "
                    "acknowledged cost.",
                )
            )
        if (line.price_unit or "") != (unit or ""):
            found.append(
                Violation(
                    "net_cost",
                    f"{where}: priced per {unit.lower() if unit else 'each'}, the line bills per "
                    f"{line.price_unit.lower() if line.price_unit else 'each'}.",
                )
            )
        if line.price_unit and line.weight is None:
            found.append(
                Violation(
                    "weight",
                    f"{where}: priced by weight: give the weight shipped "
                    f"({line.get_price_unit_display()}).",
                )
            )
    return found


def _taxes(lines: list[InvoiceLine]) -> list[Violation]:
    found = []
    for line in lines:
        net = line_net_amount(line)
        if net is None:
            continue
        if line.net_amount != net or line.tax_amount != line_tax_amount(net, line.tax_rate):
            found.append(
                Violation(
                    "tax",
                    f"PO {line.po_number}, item {line.item_sequence_number}: the net amount or "
                    f"tax does not add up (net {net}, tax at {line.tax_rate}% "
                    f"{line_tax_amount(net, line.tax_rate)}).",
                )
            )
    return found


def adjustment_label(adjustment: InvoiceAdjustment) -> str:
    """How messages name a charge or allowance: "Freight charge (Carrier 4711)"."""
    label = f"{adjustment.get_type_display()} {adjustment.get_kind_display().lower()}"
    return f"{label} ({adjustment.description})" if adjustment.description else label


def _adjustments(
    invoice: Invoice, lines: list[InvoiceLine], adjustments: list[InvoiceAdjustment]
) -> list[Violation]:
    if not adjustments:
        return []
    if invoice.is_credit_note:
        return [
            Violation(
                "adjustment",
                "A credit note credits lines only: remove its charges and allowances.",
            )
        ]
    found = []
    for adjustment in adjustments:
        what = adjustment_label(adjustment)
        if adjustment.amount <= 0:
            found.append(Violation("adjustment", f"{what}: the amount must be greater than zero."))
        expected = line_tax_amount(adjustment.amount, adjustment.tax_rate)
        if adjustment.tax_amount != expected:
            found.append(
                Violation(
                    "tax",
                    f"{what}: the tax does not add up ({adjustment.tax_rate}% of "
                    f"{adjustment.amount} is {expected}, not {adjustment.tax_amount}).",
                )
            )
    totals = invoice_totals(lines, adjustments)
    billed = totals.items + totals.charges
    currency = invoice.currency
    if totals.allowances > billed:
        found.append(
            Violation(
                "allowance",
                f"The allowances ({totals.allowances} {currency}) exceed what the invoice "
                f"bills ({billed} {currency}: items {totals.items} plus charges "
                f"{totals.charges}): lower them.",
            )
        )
        return found
    for rate, taxable, tax in totals.taxes:
        if taxable < 0 or tax < 0:
            found.append(
                Violation(
                    "allowance",
                    f"The allowances at {rate}% tax exceed what the invoice bills at that rate "
                    f"(taxable {taxable} {currency}): give each allowance the tax rate of the "
                    "items it reduces.",
                )
            )
    return found
