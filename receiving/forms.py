"""The reconciliation list's filters."""

from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from receiving.models import ReceiveStatus
from receiving.selectors import ReconFilters


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        label=label,
        widget=forms.DateInput(attrs={"type": "date", "min": "1970-01-01", "max": "9998-12-31"}),
        validators=[MinValueValidator(date(1970, 1, 1)), MaxValueValidator(date(9998, 12, 31))],
    )


class ReconFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "All receiving statuses"), *ReceiveStatus.choices]
    )
    fc = forms.RegexField(
        required=False,
        label="FC",
        regex=r"^[A-Za-z0-9]{1,10}$",
        error_messages={"invalid": "An FC code is 1–10 letters or digits."},
    )
    ordered_from = _date_field("Ordered from")
    ordered_to = _date_field("Ordered to")
    at_risk = forms.BooleanField(required=False, label="At risk only")

    def clean(self):
        super().clean()
        data = self.cleaned_data
        start, end = data.get("ordered_from"), data.get("ordered_to")
        if start and end and start > end:
            self.add_error("ordered_to", "The end date is before the start date.")
        return data

    def filters(self) -> ReconFilters:
        data = self.cleaned_data
        end = data.get("ordered_to")
        return ReconFilters(
            status=data.get("status") or "",
            fc=(data.get("fc") or "").upper(),
            ordered_from=_midnight(data.get("ordered_from")),
            ordered_to=_midnight(end + timedelta(days=1)) if end else None,
            at_risk_only=bool(data.get("at_risk")),
        )


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None
