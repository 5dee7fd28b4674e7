"""Input validation for the Amazon 1P settings page. Saving happens in services.py."""

import copy
from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone

from amazon1p.connection.credentials import (
    RETYPE_SECRETS_MESSAGE,
    SECRET_FIELDS,
    secrets_to_retype,
)
from amazon1p.connection.models import AmazonConnection, AmazonStatus, FulfillmentCenter
from amazon1p.spapi.endpoints import MARKETPLACES, EndpointKind, Region
from amazon1p.spapi.types import HISTORY_LIMIT
from shops.models import CreditReason, OrderStatus, PaymentStatus, Shop

MARKETPLACE_CHOICES = [("", "—")] + [
    (region.value, [(mid, f"{country} ({mid})") for country, mid in ids.items()])
    for region, ids in MARKETPLACES.items()
]

CONNECTION_FIELDS = [
    "enabled",
    "region",
    "marketplace_id",
    "endpoint_kind",
    "custom_base_url",
    "vendor_code",
    "lwa_client_id",
]
CUSTOMIZATION_FIELDS = [
    "orders_integration",
    "import_new_orders",
    "import_missing_orders",
    "acknowledge_orders",
    "export_shipments",
]
ORDER_SYNC_FIELDS = [
    "credit_reason_rejected",
    "credit_reason_cancelled",
    "ignore_orders_before",
    "history_from",
    "history_to",
    "acknowledgeable_statuses",
    "auto_acknowledge_bulk_buy",
    "auto_acknowledge_rule",
    "ack_warn_hours",
    "ack_stuck_after_minutes",
]
BULKBUY_FIELDS = ["offer_expiry_alert_days", "offer_link_min_days_ahead"]
ASN_FIELDS = [
    "label_per_pallet",
    "pallet_weight_kg",
    "carton_weight_kg",
    "gs1_company_prefix",
    "bol_as_asn_number",
    "shortage_grace_days",
]


class AmazonSettingsForm(forms.ModelForm):
    """Every pane but the mappings and FCs. Secrets are write-only: blank keeps them."""

    marketplace_id = forms.ChoiceField(
        choices=MARKETPLACE_CHOICES, required=False, label="Marketplace"
    )
    custom_base_url = forms.URLField(
        required=False,
        assume_scheme="https",
        label="Custom base URL",
        help_text="The Vendor Central simulator's URL, e.g. http://127.0.0.1:8100",
    )
    lwa_client_secret = forms.CharField(
        required=False,
        strip=True,
        label="LWA Client Secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only. Leave blank to keep the stored secret.",
    )
    refresh_token = forms.CharField(
        required=False,
        strip=True,
        label="Refresh Token",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only, starts with Atzr|. Leave blank to keep the stored token.",
    )

    class Meta:
        model = AmazonConnection
        fields = (
            CONNECTION_FIELDS
            + CUSTOMIZATION_FIELDS
            + ORDER_SYNC_FIELDS
            + BULKBUY_FIELDS
            + ASN_FIELDS
        )
        widgets = {
            "ignore_orders_before": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "history_from": forms.DateInput(attrs={"type": "date"}),
            "history_to": forms.DateInput(attrs={"type": "date"}),
            "acknowledgeable_statuses": forms.CheckboxSelectMultiple,
        }
        labels = {
            "endpoint_kind": "Endpoint",
            "custom_base_url": "Custom base URL",
            "lwa_client_id": "LWA Client Id",
            "credit_reason_rejected": "Credit reason for rows Amazon rejected",
            "credit_reason_cancelled": "Credit reason for rows Amazon cancelled",
            "history_from": "Historical import from",
            "history_to": "Historical import to",
            "offer_expiry_alert_days": "Alert days before an offer expires",
            "offer_link_min_days_ahead": "Minimum days until the PO window for linking",
            "gs1_company_prefix": "GS1 company prefix (for SSCC)",
            "bol_as_asn_number": "Use the bill-of-lading number as ASN number",
            "label_per_pallet": "Print one label per pallet",
        }

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["credit_reason_rejected"]
        ).queryset = CreditReason.objects.filter(shop=shop)
        cast(
            forms.ModelChoiceField, self.fields["credit_reason_cancelled"]
        ).queryset = CreditReason.objects.filter(shop=shop)
        cast(
            forms.ModelChoiceField, self.fields["acknowledgeable_statuses"]
        ).queryset = OrderStatus.objects.filter(shop=shop)
        if not settings.SPAPI_ALLOW_CUSTOM_ENDPOINTS:
            # Amazon's own hosts only: no URL to type, no "custom" to choose.
            del self.fields["custom_base_url"]
            endpoint_kind = cast(forms.ChoiceField, self.fields["endpoint_kind"])
            # The field's setter normalised the model field's choices to (value, label) pairs.
            choices = cast(list[tuple[str, str]], endpoint_kind.choices)
            endpoint_kind.choices = [
                (value, label) for value, label in choices if value != EndpointKind.CUSTOM
            ]

    def clean_vendor_code(self) -> str:
        return self.cleaned_data["vendor_code"].strip().upper()

    def clean_lwa_client_id(self) -> str:
        value = self.cleaned_data["lwa_client_id"].strip()
        if value and not value.startswith("amzn1.application-oa2-client."):
            raise forms.ValidationError(
                "An LWA client id starts with amzn1.application-oa2-client."
            )
        return value

    def clean_refresh_token(self) -> str:
        value = self.cleaned_data["refresh_token"]
        if value and not value.startswith("Atzr|"):
            raise forms.ValidationError("A refresh token starts with Atzr|.")
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        region, marketplace = data.get("region"), data.get("marketplace_id")
        if region and marketplace and marketplace not in MARKETPLACES[Region(region)].values():
            self.add_error("marketplace_id", f"This marketplace is not in the {region} region.")
        if data.get("endpoint_kind") == EndpointKind.CUSTOM and not data.get("custom_base_url"):
            self.add_error("custom_base_url", "A custom endpoint needs its base URL.")
        start, end = data.get("history_from"), data.get("history_to")
        if start and end and start > end:
            self.add_error("history_to", "The end of the range is before its start.")
        oldest = date.today() - HISTORY_LIMIT
        if start and start < oldest:
            self.add_error(
                "history_from", f"Amazon keeps about six months of POs: start on {oldest} or later."
            )
        if end and end > timezone.localdate():
            self.add_error("history_to", "The range cannot end in the future.")
        self._check_secrets_retyped(data)
        return data

    def _check_secrets_retyped(self, data: dict[str, Any]) -> None:
        """Another region, endpoint or client id needs both secrets typed again."""
        names = ("region", "endpoint_kind", "custom_base_url", "lwa_client_id")
        if self.instance.pk is None or any(
            name in self.fields and name not in data for name in names
        ):
            return  # nothing stored yet, or a field already has its own error
        candidate = copy.copy(self.instance)
        for name in names:
            if name in data:
                setattr(candidate, name, data[name])
        typed = {name for name in SECRET_FIELDS if data.get(name)}
        for name in secrets_to_retype(self.instance, candidate, typed):
            self.add_error(name, RETYPE_SECRETS_MESSAGE)


class StatusMappingForm(forms.Form):
    amazon_status = forms.ChoiceField(choices=AmazonStatus.choices, widget=forms.HiddenInput)
    main_status = forms.ModelChoiceField(queryset=OrderStatus.objects.none(), required=False)
    payment_status = forms.ModelChoiceField(queryset=PaymentStatus.objects.none(), required=False)

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelChoiceField, self.fields["main_status"]
        ).queryset = OrderStatus.objects.filter(shop=shop)
        cast(
            forms.ModelChoiceField, self.fields["payment_status"]
        ).queryset = PaymentStatus.objects.filter(shop=shop)


class BaseStatusMappingFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        seen = [f.cleaned_data.get("amazon_status") for f in self.forms if f.cleaned_data]
        if sorted(seen) != sorted(AmazonStatus.values):
            raise forms.ValidationError("Every Amazon status needs exactly one mapping row.")


StatusMappingFormSet = forms.formset_factory(
    StatusMappingForm,
    formset=BaseStatusMappingFormSet,
    extra=0,
    min_num=len(AmazonStatus.values),
    max_num=len(AmazonStatus.values),
    validate_min=True,
    validate_max=True,
)


class FulfillmentCenterForm(forms.ModelForm):
    class Meta:
        model = FulfillmentCenter
        fields = [
            "code",
            "ship_to_party_ref",
            "name",
            "address_line",
            "postal_code",
            "city",
            "country",
        ]
        labels = {"ship_to_party_ref": "ShipToPartyRef"}

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_country(self) -> str:
        return self.cleaned_data["country"].strip().upper()


class BaseFulfillmentCenterFormSet(forms.BaseModelFormSet):
    """The connection's FC rows. A row id must be one of its own FCs (another shop's id, or
    one deleted meanwhile, is a form error), and codes stay unique among all its FCs."""

    def add_fields(self, form: "forms.ModelForm[FulfillmentCenter]", index: int | None) -> None:
        super().add_fields(form, index)
        # Django lets the hidden id name any FC of any shop; only the connection's own count.
        cast(forms.ModelChoiceField, form.fields["id"]).queryset = self.get_queryset()
        form.fields["id"].error_messages["invalid_choice"] = (
            "This fulfillment center row is not one of this shop's (any more): reload the page."
        )

    def clean(self) -> None:
        super().clean()
        foreign = [f.errors["id"][0] for f in self.forms if "id" in f.errors]
        if foreign:
            raise forms.ValidationError(foreign[0])
        posted = {f.instance.pk for f in self.forms if f.instance.pk}
        codes = [fc.code for fc in self.get_queryset() if fc.pk not in posted]
        codes += [
            f.cleaned_data.get("code")
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        duplicates = {code for code in codes if code and codes.count(code) > 1}
        if duplicates:
            raise forms.ValidationError(
                f"Each FC code may appear once: {', '.join(sorted(duplicates))}."
            )


FulfillmentCenterFormSet = forms.modelformset_factory(
    FulfillmentCenter,
    form=FulfillmentCenterForm,
    formset=BaseFulfillmentCenterFormSet,
    extra=1,
    can_delete=True,
)
