"""Input validation for the shop pages. Saving happens in shops.services."""

from typing import cast

from django import forms

from shops.models import (
    AlertKind,
    AlertSeverity,
    CreditReason,
    OrderStatus,
    PaymentStatus,
    PaymentType,
    Role,
    Shop,
    VatTariff,
)
from shops.permissions import Perm


class ShopForm(forms.ModelForm):
    class Meta:
        model = Shop
        fields = ["name", "currency", "country"]
        help_texts = {
            "currency": "ISO 4217, e.g. EUR. Amazon POs in another currency raise an alert.",
            "country": "ISO 3166 two-letter code; sets the default VAT rates of a new shop.",
        }

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean_country(self) -> str:
        return self.cleaned_data["country"].upper()


class ContactInfoForm(forms.ModelForm):
    class Meta:
        model = Shop
        fields = ["address_format", "name_format"]
        widgets = {"address_format": forms.RadioSelect, "name_format": forms.RadioSelect}
        labels = {"address_format": "Address details", "name_format": "Name details"}


class VatTariffForm(forms.ModelForm):
    class Meta:
        model = VatTariff
        fields = ["name", "rate", "is_default"]


class PaymentTypeForm(forms.ModelForm):
    class Meta:
        model = PaymentType
        fields = ["name", "code"]


class OrderStatusForm(forms.ModelForm):
    class Meta:
        model = OrderStatus
        fields = ["name", "base_status", "position", "is_default"]


class PaymentStatusForm(forms.ModelForm):
    class Meta:
        model = PaymentStatus
        fields = ["name", "base_status", "position", "is_default"]


class CreditReasonForm(forms.ModelForm):
    class Meta:
        model = CreditReason
        fields = ["name"]


class RoleChoiceMixin:
    fields: dict[str, forms.Field]  # of the Form this mixes into

    def limit_roles(self, shop: Shop) -> None:
        field = cast(forms.ModelChoiceField, self.fields["roles"])
        field.queryset = Role.objects.filter(shop=shop)


class MemberAddForm(RoleChoiceMixin, forms.Form):
    username = forms.CharField(
        max_length=150,
        help_text="The person's ShopCtrl user name. They join when they accept the invitation.",
    )
    roles = forms.ModelMultipleChoiceField(
        queryset=Role.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limit_roles(shop)


class MemberRolesForm(RoleChoiceMixin, forms.Form):
    roles = forms.ModelMultipleChoiceField(
        queryset=Role.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.limit_roles(shop)


class RoleForm(forms.Form):
    name = forms.CharField(max_length=80)
    permissions = forms.MultipleChoiceField(
        choices=Perm.choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class ShopSecurityForm(forms.Form):
    require_mfa = forms.BooleanField(
        label="Require two-factor sign-in for every member",
        required=False,
        help_text="Members without an authenticator app are sent to set one up before any "
        "page of this shop.",
    )


class AlertFilterForm(forms.Form):
    """The Alerts page's filters (GET) and, the same fields posted, what *Mark all as read*
    covers. Unknown values are ignored (a stale link shows everything, never an error)."""

    show = forms.ChoiceField(required=False, choices=[("", "Unread"), ("all", "All")], label="Show")
    severity = forms.ChoiceField(
        required=False, choices=[("", "All severities"), *AlertSeverity.choices]
    )
    # "other" stands for the blank kind (alerts raised without one).
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "All kinds")]
        + [(value or "other", label) for value, label in AlertKind.choices],
    )

    def values(self) -> tuple[bool, str, str | None]:
        """(show read ones too, severity or "", kind or None for any kind)."""
        if not self.is_bound or not self.is_valid():
            return False, "", None
        kind = self.cleaned_data.get("kind") or None
        return (
            self.cleaned_data.get("show") == "all",
            self.cleaned_data.get("severity") or "",
            "" if kind == "other" else kind,
        )
