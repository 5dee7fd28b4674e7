"""Input validation for the order pages."""

from datetime import date
from decimal import Decimal
from typing import cast

from django import forms
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator

from orders.catalogue import BULK_MAX
from orders.grid_filters import GRID_FILTERS
from orders.models import Channel, Order, OrderRow, Product, PurchaseType
from orders.selectors import OrderGridFilters
from shops.models import Alert, CreditReason, OrderStatus, PaymentStatus, Shop, VatTariff


class OrderGridFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=40, label="Number")
    status = forms.ModelChoiceField(
        queryset=OrderStatus.objects.none(), required=False, empty_label="All statuses"
    )
    payment = forms.ModelChoiceField(
        queryset=PaymentStatus.objects.none(), required=False, empty_label="All payment statuses"
    )
    purchase_type = forms.ChoiceField(
        required=False,
        choices=[("any", "All purchase types")]
        + [(value or "none", label) for value, label in PurchaseType.choices],
    )
    channel = forms.ChoiceField(required=False, choices=[("", "All channels"), *Channel.choices])
    # Bounded: the grid filters up to the day after date_to, which 9999-12-31 has not.
    date_from = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "min": "1970-01-01", "max": "9998-12-31"}),
        validators=[MinValueValidator(date(1970, 1, 1)), MaxValueValidator(date(9998, 12, 31))],
    )
    date_to = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "min": "1970-01-01", "max": "9998-12-31"}),
        validators=[MinValueValidator(date(1970, 1, 1)), MaxValueValidator(date(9998, 12, 31))],
    )
    product = forms.CharField(
        required=False,
        max_length=64,
        label="Product",
        widget=forms.TextInput(attrs={"placeholder": "ASIN, EAN or SKU"}),
    )
    ack_due = forms.BooleanField(required=False, label="Acknowledgement due")
    alert = forms.ModelChoiceField(
        queryset=Alert.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["alert"]).queryset = Alert.objects.filter(
            shop=shop, item_type=ContentType.objects.get_for_model(Order)
        )
        cast(forms.ModelChoiceField, self.fields["status"]).queryset = OrderStatus.objects.filter(
            shop=shop
        )
        cast(
            forms.ModelChoiceField, self.fields["payment"]
        ).queryset = PaymentStatus.objects.filter(shop=shop)
        for extra in GRID_FILTERS.values():
            if extra.choices is None:
                field: forms.Field = forms.CharField(
                    required=False, max_length=20, label=extra.label
                )
            else:
                field = forms.ChoiceField(
                    required=False, label=extra.label, choices=[("", "Any"), *extra.choices]
                )
            self.fields[extra.name] = field

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data

    def filters(self) -> OrderGridFilters:
        """The filters to apply; call only after is_valid()."""
        data = self.cleaned_data
        purchase_type = data.get("purchase_type") or "any"
        return OrderGridFilters(
            main_status=data.get("status"),
            payment_status=data.get("payment"),
            purchase_type=None if purchase_type == "any" else purchase_type.replace("none", ""),
            channel=data.get("channel") or None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            search=data.get("q") or "",
            product=(data.get("product") or "").strip(),
            acknowledgement_due=bool(data.get("ack_due")),
            alert=data.get("alert"),
            extra=tuple((name, data[name]) for name in GRID_FILTERS if data.get(name)),
        )


class LoadedChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices from objects the page has read already (`LoadedModelChoiceField.loaded`),
    or else from the queryset, read as a list (`ModelChoiceIterator` reads it through a
    server-side cursor: three round trips for a handful of rows). Validation still goes
    through the queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        loaded = cast(LoadedModelChoiceField, self.field).loaded
        for obj in self.queryset if loaded is None else loaded:
            yield self.choice(obj)

    def __len__(self) -> int:
        loaded = cast(LoadedModelChoiceField, self.field).loaded
        if loaded is None:
            return super().__len__()
        return len(loaded) + (1 if self.field.empty_label is not None else 0)


class LoadedModelChoiceField(forms.ModelChoiceField):
    """Choices from `loaded` when set (objects of the queryset the caller has read), else
    from the queryset in one plain query (`LoadedChoiceIterator`)."""

    iterator = LoadedChoiceIterator
    loaded: list | None = None


class RowChoiceField(LoadedModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"#{obj.position} {obj.title or obj.sku or obj.ean} (× {obj.quantity})"


def _row_field(form: forms.Form, queryset, rows: list[OrderRow] | None) -> None:
    field = cast(RowChoiceField, form.fields["row"])
    field.queryset = queryset
    field.loaded = rows


class CreditRowForm(forms.Form):
    row = RowChoiceField(queryset=None, empty_label=None)
    quantity = forms.IntegerField(min_value=1)
    reason = LoadedModelChoiceField(queryset=CreditReason.objects.none())

    def __init__(self, *args, order: Order, rows: list[OrderRow] | None = None, **kwargs) -> None:
        """`rows`: the order's rows, when the caller has read them (the choices)."""
        super().__init__(*args, **kwargs)
        _row_field(self, order.rows.all(), rows)
        cast(forms.ModelChoiceField, self.fields["reason"]).queryset = CreditReason.objects.filter(
            shop_id=order.shop_id
        )


class RowPriceForm(forms.Form):
    """The price of a row the channel sent without one."""

    row = RowChoiceField(queryset=None, empty_label=None)
    unit_price = forms.DecimalField(
        label="Unit price", min_value=Decimal("0.0001"), max_digits=12, decimal_places=4
    )

    def __init__(self, *args, order: Order, rows: list[OrderRow] | None = None, **kwargs) -> None:
        """`rows`: the order's rows without a price, when the caller has read them."""
        super().__init__(*args, **kwargs)
        _row_field(self, order.rows.filter(unit_price__isnull=True), rows)


class OrderParameterForm(forms.Form):
    key = forms.CharField(max_length=64)
    value = forms.CharField(max_length=2000, required=False)


class ProductForm(forms.Form):
    """A catalogue product; at least one of EAN, ASIN and SKU (checked on save)."""

    ean = forms.RegexField(
        label="EAN",
        regex=r"^\d{8,14}$",
        strip=True,
        max_length=14,
        required=False,
        error_messages={"invalid": "An EAN is 8 to 14 digits (EAN-8, UPC, EAN-13, GTIN-14)."},
    )
    asin = forms.RegexField(
        label="ASIN",
        regex=r"^[A-Za-z0-9]{10}$",
        strip=True,
        max_length=10,
        required=False,
        error_messages={"invalid": "An ASIN is 10 letters or digits, e.g. B07XYZ1234."},
    )
    sku = forms.CharField(label="SKU", max_length=64, required=False)
    title = forms.CharField(max_length=250, required=False)
    stock_quantity = forms.IntegerField(
        label="Stock (eaches)", min_value=0, required=False, help_text="Available to promise."
    )
    agreed_cost = forms.DecimalField(
        label="Agreed net cost",
        min_value=0,
        max_digits=12,
        decimal_places=4,
        required=False,
        help_text="Per each, as agreed with Amazon.",
    )
    vat_tariff = forms.ModelChoiceField(
        label="VAT category",
        queryset=VatTariff.objects.none(),
        required=False,
        help_text="Order rows of this product get this VAT tariff when they are imported.",
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _tariff_choices(self.fields["vat_tariff"], shop)


def _tariff_choices(field: forms.Field, shop: Shop) -> None:
    """Only `shop`'s tariffs (another shop's id is "not one of the available choices"); the
    empty choice names the default a product without a category gets."""
    choice = cast(forms.ModelChoiceField, field)
    tariffs = VatTariff.objects.filter(shop=shop)
    choice.queryset = tariffs
    default = next((t for t in tariffs if t.is_default), None)
    choice.empty_label = f"Shop default: {default}" if default else "Shop default"


class ProductVatTariffForm(forms.Form):
    """The Products page's "Set VAT category" action on the products ticked."""

    products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.none(),
        error_messages={"required": "Tick at least one product."},
    )
    vat_tariff = forms.ModelChoiceField(
        label="VAT category", queryset=VatTariff.objects.none(), required=False
    )
    apply_to_rows = forms.BooleanField(
        label="Also re-rate their order rows no invoice bills yet",
        required=False,
        help_text="For rows imported before the category was set.",
    )

    def __init__(self, *args, shop: Shop, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelMultipleChoiceField, self.fields["products"]
        ).queryset = Product.objects.filter(shop=shop)
        _tariff_choices(self.fields["vat_tariff"], shop)

    def clean_products(self) -> list[Product]:
        products = list(self.cleaned_data["products"])
        if len(products) > BULK_MAX:
            raise forms.ValidationError(f"Tick at most {BULK_MAX} products at a time.")
        return products


class ProductSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search")
