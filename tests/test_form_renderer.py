"""core.forms.FastWidgets draws widgets, labels and error lists byte for byte as Django's
templates do: for every kind of widget it draws, and for the forms of the order page."""

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.functional import lazy
from django.utils.safestring import mark_safe

from amazon1p.acknowledgements.forms import AcknowledgementLinesForm
from bulkbuy.forms import OrderLinkForm
from bulkbuy.models import Offer
from core.forms import FAST_WIDGETS
from orders.forms import CreditRowForm, OrderParameterForm, RowPriceForm
from orders.models import OrderRow
from orders.selectors import order_detail


def _drawn(form: forms.Form) -> list[str]:
    """Everything a page draws of `form`'s fields."""
    html = []
    for field in form:
        html += [str(field), field.label_tag(), str(field.errors), str(field.help_text)]
    return [*html, str(form.non_field_errors())]


def _same(make) -> None:
    """`make(renderer)` builds a form: drawn by FastWidgets, it reads as drawn by Django."""
    fast, django = make(FAST_WIDGETS), make(DjangoTemplates())
    assert fast.renderer is FAST_WIDGETS and django.renderer is not FAST_WIDGETS
    assert _drawn(fast) == _drawn(django)


lazy_label = lazy(lambda: "Lazy <label>", str)()


class EveryWidget(forms.Form):
    required_css_class = "required"

    text = forms.CharField(
        label='Text & "quotes"',
        widget=forms.TextInput(
            attrs={
                "placeholder": "<b>&'\"",
                "data-safe": mark_safe("<i>kept</i>"),
                "autofocus": True,
                "hidden": False,
                "data-number": 1234567,
                "data-decimal": Decimal("1234.50"),
            }
        ),
    )
    number = forms.IntegerField(min_value=0, max_value=10**7, label=lazy_label)
    decimal = forms.DecimalField(max_digits=12, decimal_places=4, required=False)
    email = forms.EmailField(required=False, label="E-mail?")
    url = forms.URLField(required=False, assume_scheme="https")
    phone = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "tel"}))
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    choice = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("a", "A & <b>"),
            ("Group <1>", [("g1", "One"), ("g2", mark_safe("<em>Two</em>"))]),
            (3, 12345),
        ]
    )
    typed = forms.TypedChoiceField(choices=((1, "Stage 1"), (2, "Stage 2")), coerce=int)
    area = forms.CharField(required=False, widget=forms.Textarea)  # left to Django
    flag = forms.BooleanField(required=False)  # left to Django


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {
            "text": "a <b> & \"c\" 'd'",
            "number": "1234567",
            "decimal": "1234.5",
            "email": "not an e-mail",
            "url": "https://example.com/?a=1&b=<2>",
            "phone": "+49 341",
            "password": "s3cr<e>t",
            "hidden": "h&i",
            "day": "2026-12-03",
            "choice": "g2",
            "typed": "2",
            "area": "x",
            "flag": "on",
        },
        {"choice": "3", "number": "-1", "day": "yesterday"},
    ],
)
def test_every_widget_is_drawn_as_django_draws_it(data):
    initial = {"text": mark_safe("<safe>"), "day": date(2026, 12, 3), "decimal": Decimal("1.5")}
    for auto_id in ("id_%s", "x_%s", False):
        _same(
            lambda renderer, auto_id=auto_id: EveryWidget(
                data, initial=initial, auto_id=auto_id, renderer=renderer
            )
        )


@pytest.mark.django_db
def test_the_order_page_forms_are_drawn_as_django_draws_them(shop, order):
    order = order_detail(shop=shop, pk=order.pk)
    rows = list(order.rows.all())
    first = rows[0]
    OrderRow.objects.filter(pk=first.pk).update(unit_price=None)
    bad = {"row": "0", "quantity": "x", "reason": "", "key": "", "unit_price": "-1"}
    for data in (None, bad):
        _same(lambda r, data=data: CreditRowForm(data, order=order, rows=rows, renderer=r))
        _same(lambda r, data=data: RowPriceForm(data, order=order, renderer=r))
        _same(lambda r, data=data: OrderParameterForm(data, renderer=r))
        _same(lambda r, data=data: OrderLinkForm(data, offers=Offer.objects.all(), renderer=r))
    lines = {f"quantity_{first.pk}": "99", f"mode_{first.pk}": "backorder"}
    for data in (None, lines):
        _same(lambda r, data=data: AcknowledgementLinesForm(data, order=order, renderer=r))


def test_every_form_of_the_project_uses_it(settings):
    assert settings.FORM_RENDERER == "core.forms.FastWidgets"
    assert isinstance(get_default_renderer(), type(FAST_WIDGETS))
