"""Input of the sync-runs page: the historical import range."""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from amazon1p.spapi.types import HISTORY_LIMIT


class HistoryImportForm(forms.Form):
    """A date range within Amazon's six months of history, end exclusive of the next day."""

    date_from = forms.DateField(label="From")
    date_to = forms.DateField(label="To")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                raise forms.ValidationError("“From” must not be after “To”.")
            floor = timezone.now().date() - HISTORY_LIMIT
            if start < floor:
                self.add_error("date_from", f"Amazon keeps six months: choose {floor} or later.")
        return data

    def range(self) -> tuple[datetime, datetime]:
        """[from 00:00 UTC, the day after `to` 00:00 UTC)."""
        start = datetime.combine(self.cleaned_data["date_from"], time(), UTC)
        end = datetime.combine(self.cleaned_data["date_to"] + timedelta(days=1), time(), UTC)
        return start, min(end, timezone.now())
