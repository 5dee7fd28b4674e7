"""The per-line acknowledgement form on the order page: one set of fields per order row."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import prefetch_related_objects

from amazon1p.acknowledgements.models import RejectionReason
from amazon1p.acknowledgements.services import LineDecision
from orders.catalogue import row_titles
from orders.models import Order, OrderRow

ACCEPT, BACKORDER = "accept", "backorder"


class AcknowledgementLinesForm(forms.Form):
    """Per row: the quantity to confirm (a lower one than is open credits the rest), accept
    or backorder it (with dates); the reason for the credited part, which Amazon receives
    as Rejected."""

    def __init__(
        self, *args, order: Order, titles: Mapping[int, str] | None = None, **kwargs
    ) -> None:
        """`titles`: the catalogue's title of each row (`orders.catalogue.row_titles`), when
        the caller has them (the order page); the order's rows and credit rows are read
        unless the order comes with them (`prefetch_related`), as on the order page."""
        super().__init__(*args, **kwargs)
        prefetch_related_objects([order], "rows__credit_rows")
        self.rows: list[OrderRow] = list(order.rows.all())
        self.titles = row_titles(order.shop_id, self.rows) if titles is None else titles
        for row in self.rows:
            row_credited = sum(credit.quantity for credit in row.credit_rows.all())
            open_quantity = row.quantity - row_credited
            # For the template (see row_fields); not model fields.
            row.credited = row_credited  # type: ignore[attr-defined]
            row.open_quantity = open_quantity  # type: ignore[attr-defined]
            self.fields[f"quantity_{row.pk}"] = forms.IntegerField(
                min_value=0,
                max_value=open_quantity,
                initial=open_quantity,
                label=f"Confirm (row {row.position})",
                widget=forms.NumberInput(attrs={"class": "qty", "data-open": open_quantity}),
                error_messages={
                    "max_value": f"At most {open_quantity}: {row.quantity} ordered, "
                    f"{row_credited} credited.",
                    "required": "Enter the quantity to confirm (0 rejects the line).",
                },
            )
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

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
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
                quantity=data[f"quantity_{row.pk}"],
                backorder=data[f"mode_{row.pk}"] == BACKORDER,
                rejection_reason=data[f"reason_{row.pk}"],
                scheduled_ship_date=data.get(f"ship_{row.pk}"),
                scheduled_delivery_date=data.get(f"delivery_{row.pk}"),
            )
            for row in self.rows
        }

    def row_fields(self) -> list[tuple[OrderRow, dict[str, forms.BoundField]]]:
        """For the template: each row (with `credited`, `open_quantity`, `product`: the
        catalogue's title) and its bound fields by short name."""
        names = ("quantity", "mode", "ship", "delivery", "reason")
        for row in self.rows:
            row.product = self.titles.get(row.pk, "")  # type: ignore[attr-defined]
        return [(row, {name: self[f"{name}_{row.pk}"] for name in names}) for row in self.rows]
