"""Safe to put on the internet (issue #14): security headers on every page, no caching of
signed-in pages, file names that cannot break the Content-Disposition header, formula-like
text written as text, and bad input answered with 400 instead of 500."""

import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from bulkbuy.models import Offer
from bulkbuy.stages import offer_stage_file
from core.spreadsheet import csv_cell
from shops.tokens import api_token_create
from tests.support.offers import make_offer, to_manufacture

pytestmark = pytest.mark.django_db


def test_every_page_sends_a_csp_without_inline_scripts_and_a_permissions_policy(admin_client):
    for client, url in ((Client(), reverse("login")), (admin_client, reverse("shops:shop-list"))):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
        assert directives["script-src"] == "'self'"
        assert "unsafe-inline" not in directives["script-src"]
        assert "unsafe-eval" not in csp
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        policy = response["Permissions-Policy"]
        assert "camera=()" in policy and "geolocation=()" in policy


def test_signed_in_pages_and_the_api_token_page_are_never_cached(shop, admin_client):
    for url in (
        reverse("shops:shop-list"),
        reverse("orders:order-list", args=[shop.pk]),
        reverse("amazon1p:api-token-list", args=[shop.pk]),
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


def test_a_new_api_token_page_is_not_cached(shop, admin_client):
    url = reverse("amazon1p:api-token-list", args=[shop.pk])
    response = admin_client.post(url, {"name": "WMS"}, follow=True)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_api_answers_are_not_cached(shop):
    response = Client().post(
        reverse("api:pick-import", args=[shop.pk]),
        data="x",
        content_type="text/csv",
        HTTP_AUTHORIZATION="Token nope",
    )
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_templates_hold_no_inline_script_or_event_handler():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\son[a-z]+\s*=", text), path
        assert "javascript:" not in text, path


# --- File names -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ['Q4 "big" offer', "Q4\r\nSet-Cookie: x=1", "Zürich \\ ä"])
def test_download_names_with_quotes_or_line_breaks_make_a_valid_header(
    name, shop, admin_user, admin_client
):
    offer = to_manufacture(make_offer(shop, admin_user), admin_user)
    Offer.objects.filter(pk=offer.pk).update(name=name, source_name=f"{name}.xlsx")
    url = reverse("bulkbuy:offer-stagefile", args=[shop.pk, offer.pk])
    response = admin_client.get(url + "?as=manufacture")
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename")
    assert "\r" not in header and "\n" not in header
    assert "Set-Cookie" not in response.headers or "x=1" not in response["Set-Cookie"]
    if '"' in name:
        assert header == 'attachment; filename="Q4 \\"big\\" offer-manufacture-r3.xlsx"'
    response = admin_client.get(reverse("bulkbuy:offer-file", args=[shop.pk, offer.pk]))
    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"]


# --- Formula-like text ------------------------------------------------------------------------


def test_formula_like_text_goes_into_the_stage_file_as_text(shop, admin_user):
    offer = to_manufacture(make_offer(shop, admin_user), admin_user)
    Offer.objects.filter(pk=offer.pk).update(name='=HYPERLINK("http://evil","x")')
    offer.rows.filter(row_number=2).update(title="=1+2", ean="+49", asin="@SUM(A1)")
    offer.rows.filter(row_number=3).update(title="-2+3")
    _, content = offer_stage_file(offer=Offer.objects.get(pk=offer.pk), stage="manufacture")
    sheet = load_workbook(io.BytesIO(content))["Stage"]
    cells = [sheet["C1"], sheet["B6"], sheet["C6"], sheet["D6"], sheet["D7"]]
    assert [c.value for c in cells] == [
        '=HYPERLINK("http://evil","x")',
        "+49",
        "@SUM(A1)",
        "=1+2",
        "-2+3",
    ]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert b"<f>" not in content  # no formula anywhere (the xml is compressed; check it)
    import zipfile

    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "+1", "-1", "@x", "\tx", "\rx"])
def test_csv_cells_that_would_be_formulas_are_quoted(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["abc", "1-2", 12, None, ""])
def test_csv_cells_that_are_safe_stay_as_they_are(value):
    assert csv_cell(value) == value


# --- Former 500s ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2026-02-30", "x"])
def test_orders_grid_answers_400_for_a_date_out_of_range(value, shop, admin_client):
    url = reverse("orders:order-list", args=[shop.pk])
    response = admin_client.get(url, {"date_to": value})
    assert response.status_code == 400
    assert "Date" in response.content.decode() or "date" in response.content.decode()
    response = admin_client.get(url, {"date_from": value}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400


def test_picks_api_answers_400_for_deeply_nested_json(shop, admin_user):
    _, raw = api_token_create(actor=admin_user, shop=shop, name="WMS")
    body = "[" * 100_000 + "]" * 100_000
    response = Client().post(
        reverse("api:pick-import", args=[shop.pk]),
        data=body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {raw}",
    )
    assert response.status_code == 400
    assert "nested too deeply" in json.dumps(response.json())
