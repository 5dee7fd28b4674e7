"""Input of the API tokens page."""

from django import forms


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="Who or what uses it, e.g. “Warehouse WMS”.")
