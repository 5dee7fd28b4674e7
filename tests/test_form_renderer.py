"""core.form_renderer draws inputs and selects exactly as Django's widget templates do."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from core.form_renderer import FastWidgetRenderer


class EveryWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": 'a "quoted" <tag> & more'}))
    number = forms.IntegerField(min_value=0, max_value=9)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "min": "1970-01-01"}))
    moment = forms.DateTimeField(required=False)
    clock = forms.TimeField(required=False)
    flag = forms.BooleanField(required=False)
    flag_off = forms.BooleanField(
        required=False, widget=forms.CheckboxInput(attrs={"disabled": False})
    )
    search = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"type": "search", "data-x": None})
    )
    choice = forms.ChoiceField(choices=[("", "Any"), ("a&b", "A & B"), ("<c>", "<C>")])
    grouped = forms.ChoiceField(
        choices=[("", "None"), ("Fruit", [("apple", "Apple"), ("pear", "Pear")]), ("x", "X")]
    )
    many = forms.MultipleChoiceField(choices=[("1", "One"), ("2", "Two"), ("3", "Three")])
    text_area = forms.CharField(widget=forms.Textarea)  # not drawn in Python: templates


DATA = {
    "text": "Tom & 'Jerry' <b>",
    "number": "7",
    "email": "a@example.com",
    "url": "https://example.com/?a=1&b=2",
    "password": "s3cret<>",
    "hidden": '"hidden"',
    "day": "2026-12-03",
    "moment": "2026-12-03 10:00",
    "clock": "10:00",
    "flag": "on",
    "search": "x",
    "choice": "a&b",
    "grouped": "pear",
    "many": ["1", "3"],
    "text_area": "line\nline",
}


@pytest.mark.parametrize("bound", [False, True])
def test_every_widget_renders_as_djangos_templates(bound):
    reference = DjangoTemplates()
    fast = FastWidgetRenderer()
    form_ref = EveryWidget(
        DATA if bound else None, renderer=reference, initial={"day": datetime.date(2026, 1, 2)}
    )
    form_fast = EveryWidget(
        DATA if bound else None, renderer=fast, initial={"day": datetime.date(2026, 1, 2)}
    )
    for name in form_ref.fields:
        assert str(form_fast[name]) == str(form_ref[name]), name


def test_a_select_with_a_custom_option_template_goes_through_the_templates():
    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    field = forms.ChoiceField(choices=[("a", "A")], widget=OwnOption)
    form_class = type("F", (forms.Form,), {"pick": field})
    assert str(form_class(renderer=FastWidgetRenderer())["pick"]) == str(
        form_class(renderer=DjangoTemplates())["pick"]
    )


def test_the_project_uses_it(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "core.form_renderer.FastWidgetRenderer"
    assert isinstance(get_default_renderer(), FastWidgetRenderer)
