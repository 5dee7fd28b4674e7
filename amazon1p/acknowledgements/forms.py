"""The per-line acknowledgement form on the order page: one set of fields per order row."""

from django import forms

from amazon1p.acknowledgements.services import LineDecision
from amazon1p.models import RejectionReason
from orders.models import Order, OrderRow

ACCEPT, BACKORDER = "accept", "backorder"


class AcknowledgementLinesForm(forms.Form):
    """Per row: accept or backorder what is not credited (with dates); the reason for the
    credited part, which Amazon receives as Rejected."""

    def __init__(self, *args, order: Order, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list[OrderRow] = list(order.rows.all())
        for row in self.rows:
            self.fields[f"mode_{row.pk}"] = forms.ChoiceField(
                choices=[(ACCEPT, "Accept"), (BACKORDER, "Backorder")],
                initial=ACCEPT,
                label=f"Row {row.position}",
            )
            self.fields[f"ship_{row.pk}"] = forms.DateField(
                required=False, label="Ship date", widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"delivery_{row.pk}"] = forms.DateField(
                required=False,
                label="Delivery date",
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields[f"reason_{row.pk}"] = forms.ChoiceField(
                choices=RejectionReason.choices,
                initial=RejectionReason.TEMPORARILY_UNAVAILABLE,
                label="Reason for the credited part",
            )

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            if cleaned.get(f"mode_{row.pk}") != BACKORDER:
                continue
            ship, delivery = cleaned.get(f"ship_{row.pk}"), cleaned.get(f"delivery_{row.pk}")
            if ship is None:
                self.add_error(f"ship_{row.pk}", "A backorder needs a ship date.")
            if delivery is None:
                self.add_error(f"delivery_{row.pk}", "A backorder needs a delivery date.")
            if ship and delivery and delivery < ship:
                self.add_error(f"delivery_{row.pk}", "Delivery cannot come before shipping.")
        return cleaned

    def decisions(self) -> dict[int, LineDecision]:
        data = self.cleaned_data
        return {
            row.pk: LineDecision(
                backorder=data[f"mode_{row.pk}"] == BACKORDER,
                rejection_reason=data[f"reason_{row.pk}"],
                scheduled_ship_date=data.get(f"ship_{row.pk}"),
                scheduled_delivery_date=data.get(f"delivery_{row.pk}"),
            )
            for row in self.rows
        }

    def row_fields(self) -> list[tuple[OrderRow, dict[str, forms.BoundField]]]:
        """For the template: each row with its bound fields by short name."""
        return [
            (
                row,
                {name: self[f"{name}_{row.pk}"] for name in ("mode", "ship", "delivery", "reason")},
            )
            for row in self.rows
        ]
