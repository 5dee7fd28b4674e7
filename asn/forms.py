"""Input validation for the group-shipment pages."""

from typing import cast

from django import forms

from amazon1p.connection.models import AmazonConnection
from asn.models import Container, ContainerKind, GroupShipment, ShipmentLine, Warehouse
from asn.shipments import TRANSPORT_FIELDS, GroupShipmentData
from shops.models import Shop

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class GroupShipmentForm(forms.ModelForm):
    """Where from, where to, and how: the transport details of a group shipment."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = GroupShipment
        fields = list(TRANSPORT_FIELDS)
        widgets = {"shipped_at": _DATETIME, "estimated_delivery_at": _DATETIME}
        labels = {"shipped_at": "Shipped at", "estimated_delivery_at": "Estimated delivery"}
        help_texts = {
            "bill_of_lading": "Required for LTL and truckload; the ASN number when the shop's "
            "ASN settings say so.",
            "shipped_at": "When the truck left. Amazon takes ASNs up to 7 days after.",
        }

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["warehouse"]).queryset = Warehouse.objects.filter(
            shop=shop
        )
        cast(forms.ModelChoiceField, self.fields["warehouse"]).empty_label = None
        connection = AmazonConnection.objects.filter(shop=shop).first()
        codes = (
            list(connection.fulfillment_centers.values_list("code", "name")) if connection else []
        )
        self.fields["fc_code"] = forms.ChoiceField(
            label="Ship to FC",
            choices=[(code, f"{code} {name}".strip()) for code, name in codes],
            help_text="The shop's fulfillment centers (Amazon 1P settings).",
        )
        for name in ("shipped_at", "estimated_delivery_at"):
            cast(forms.DateTimeField, self.fields[name]).input_formats = [
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
            ]
        if self.instance.pk:
            self.fields["revision"].initial = self.instance.revision

    def clean_bill_of_lading(self) -> str:
        return self.cleaned_data["bill_of_lading"].strip()

    def data_object(self) -> GroupShipmentData:
        return GroupShipmentData(**{name: self.cleaned_data[name] for name in TRANSPORT_FIELDS})


class AddOrderForm(forms.Form):
    order = forms.ChoiceField(label="Add an order")

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["order"]).choices = [
            (str(o.pk), o.number) for o in candidates
        ]


class LineQuantitiesForm(forms.Form):
    """One field per line of a shipment: the eaches that ship (0 drops the line)."""

    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, lines: list[ShipmentLine], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                min_value=0, initial=line.quantity, label=f"Row {line.row.position}"
            )

    def quantities(self) -> dict[int, int]:
        return {
            int(name.removeprefix("line_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("line_")
        }


class ContainerAddForm(forms.Form):
    kind = forms.ChoiceField(choices=ContainerKind.choices)
    pallet = forms.ModelChoiceField(queryset=Container.objects.none(), required=False)
    sscc = forms.CharField(
        label="SSCC", required=False, max_length=40, help_text="Leave empty to generate one."
    )
    tracking_number = forms.CharField(required=False, max_length=40)

    def __init__(self, *args, group: GroupShipment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["pallet"]).queryset = Container.objects.filter(
            group=group, kind=ContainerKind.PALLET
        )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("kind") == ContainerKind.CARTON and not data.get("pallet"):
            self.add_error("pallet", "A carton goes on a pallet: choose one.")
        return data


class PlaceForm(forms.Form):
    line = forms.ModelChoiceField(queryset=ShipmentLine.objects.none())
    container = forms.ModelChoiceField(queryset=Container.objects.none())
    quantity = forms.IntegerField(min_value=1)

    def __init__(self, *args, group: GroupShipment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["line"]).queryset = ShipmentLine.objects.filter(
            shipment__group=group
        )
        cast(forms.ModelChoiceField, self.fields["container"]).queryset = Container.objects.filter(
            group=group
        )


class MoveForm(forms.Form):
    to = forms.ModelChoiceField(queryset=Container.objects.none(), label="Move to")
    quantity = forms.IntegerField(min_value=1, required=False, help_text="Empty: all of them.")

    def __init__(self, *args, group: GroupShipment, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["to"]).queryset = Container.objects.filter(
            group=group
        )


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name", "address_line", "postal_code", "city", "country"]

    def clean_country(self) -> str:
        return self.cleaned_data["country"].upper()

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        # The settings page hands in an entry that carries the shop, also when adding one.
        taken = Warehouse.objects.filter(shop_id=self.instance.shop_id, code=code).exclude(
            pk=self.instance.pk
        )
        if taken.exists():
            raise forms.ValidationError("The shop has a warehouse with this code already.")
        return code


class ContainerDetailsForm(forms.ModelForm):
    class Meta:
        model = Container
        fields = ["weight_kg", "length_cm", "width_cm", "height_cm", "tracking_number"]

    def clean(self):
        super().clean()
        data = self.cleaned_data
        dims = [data.get(name) for name in ("length_cm", "width_cm", "height_cm")]
        if any(d is None for d in dims) and any(d is not None for d in dims):
            raise forms.ValidationError("Give length, width and height together, or none.")
        return data
