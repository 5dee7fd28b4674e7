from decimal import Decimal

from django import forms

from invoicing.models import (
    ADJUSTMENT_DESCRIPTION_MAX,
    AdjustmentKind,
    AllowanceType,
    ChargeType,
    CreditKind,
    Invoice,
    InvoiceBasis,
    InvoiceSettings,
)

SETTINGS_FIELDS = (
    "legal_name",
    "remit_to_party_id",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country_code",
    "tax_registration_type",
    "tax_registration_number",
    "tax_type",
    "number_prefix",
    "next_number",
    "payment_terms_days",
    "default_basis",
    "pdf_template",
)


class InvoiceSettingsForm(forms.ModelForm):
    class Meta:
        model = InvoiceSettings
        fields = SETTINGS_FIELDS
        help_texts = {
            "next_number": "Numbers are taken in order, without gaps; unique in the shop.",
            "default_basis": "What a new invoice of a group shipment bills.",
        }
        widgets = {"pdf_template": forms.Textarea(attrs={"rows": 8, "class": "mono"})}


class OrdersInvoiceForm(forms.Form):
    """An invoice over several POs of one ship-to party."""

    po_numbers = forms.CharField(
        label="PO numbers",
        help_text="Amazon PO numbers of one ship-to party, separated by spaces or commas.",
        max_length=2000,
    )
    basis = forms.ChoiceField(choices=InvoiceBasis.choices, initial=InvoiceBasis.RECEIVED)

    def numbers(self) -> list[str]:
        raw = self.cleaned_data["po_numbers"].replace(",", " ").split()
        return list(dict.fromkeys(raw))


class InvoiceLineForm(forms.Form):
    quantity = forms.IntegerField(
        min_value=0, help_text="Eaches; 0 takes the line off the invoice."
    )
    net_cost = forms.DecimalField(
        max_digits=12, decimal_places=4, min_value=Decimal("0.0001"), label="Net cost"
    )
    weight = forms.DecimalField(
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
        required=False,
        help_text="Only for lines priced by weight: the weight billed, in the price unit.",
    )


class InvoiceAdjustmentForm(forms.Form):
    """A charge or an allowance on the whole invoice: one of Amazon's types (its group says
    which), the net amount in the invoice's currency, and the tax rate it bears."""

    adjustment_type = forms.ChoiceField(
        label="Charge or allowance",
        choices=[
            ("", "Choose …"),
            ("Charges (added)", ChargeType.choices),
            ("Allowances (taken off)", AllowanceType.choices),
        ],
    )
    description = forms.CharField(
        max_length=ADJUSTMENT_DESCRIPTION_MAX,
        required=False,
        help_text="Printed and sent with it: the carrier's bill, the promotion.",
    )
    amount = forms.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="Net. An allowance is entered positive too: it is taken off.",
    )
    tax_rate = forms.DecimalField(
        label="Tax %",
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        help_text="The rate of the items it concerns.",
    )

    def __init__(self, *args, invoice: Invoice, tax_rate: Decimal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = f"Amount ({invoice.currency})"
        self.fields["tax_rate"].initial = tax_rate

    def kind(self) -> str:
        """Charge or allowance, by the group of the chosen type."""
        if self.cleaned_data["adjustment_type"] in ChargeType.values:
            return AdjustmentKind.CHARGE
        return AdjustmentKind.ALLOWANCE


class CreditNoteForm(forms.Form):
    """A credit note of an accepted invoice: the kind, then per line what it credits."""

    kind = forms.ChoiceField(choices=CreditKind.choices, label="Credit for")
    returns_reference = forms.CharField(
        label="Returns notice number", max_length=40, required=False
    )

    def __init__(self, *args, invoice: Invoice, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invoice_lines = list(invoice.lines.all())
        for line in self.invoice_lines:
            self.fields[f"qty_{line.pk}"] = forms.IntegerField(
                label=f"{line.po_number}/{line.item_sequence_number} units",
                min_value=0,
                max_value=line.quantity,
                required=False,
                help_text="Empty for an accepted shortage: what Amazon did not receive.",
            )
            self.fields[f"amount_{line.pk}"] = forms.DecimalField(
                label=f"{line.po_number}/{line.item_sequence_number} credit per unit",
                max_digits=12,
                decimal_places=4,
                min_value=Decimal("0.0001"),
                required=False,
                help_text="Price difference only (default: the invoiced net cost).",
            )

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data[f"qty_{line.pk}"]
            for line in self.invoice_lines
            if self.cleaned_data.get(f"qty_{line.pk}") is not None
        }

    def amounts(self) -> dict[int, Decimal]:
        return {
            line.pk: self.cleaned_data[f"amount_{line.pk}"]
            for line in self.invoice_lines
            if self.cleaned_data.get(f"amount_{line.pk}") is not None
        }
