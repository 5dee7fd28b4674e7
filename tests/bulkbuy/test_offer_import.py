"""Importing Amazon's Bulk Buy Offer workbook: the service and the offer pages."""

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bulkbuy.models import Offer, OfferEvent, OfferRow, OfferStatus
from bulkbuy.services import OfferImportError, offer_import
from bulkbuy.workbook import WorkbookError, normalize_header
from orders.catalogue import product_create
from shops.models import AuditEntry
from tests.support.factories import UserFactory, add_member
from tests.support.offers import HEADERS, make_offer, make_products, offer_row, offer_xlsx
from tests.support.offers import upload as as_upload
from tests.support.web import web_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def products(shop, admin_user):
    return make_products(shop, admin_user, 3)


def import_rows(shop, user, rows, **kwargs):
    name = kwargs.pop("name", "OFFER-123.xlsx")
    return offer_import(actor=user, shop=shop, upload=as_upload(offer_xlsx(rows, **kwargs), name))


def problems_of(excinfo) -> list[str]:
    return excinfo.value.problems


# --- Good files ---------------------------------------------------------------------------


def test_good_file_imports_every_row_with_its_product_stages_and_decisions(
    shop, admin_user, products
):
    rows = [
        offer_row(1, **{"Approved": "yes", "Comment": "Priority"}),
        offer_row(
            2,
            **{
                "Unit cost": "7,25",
                "Stage 2 start": date(2027, 2, 1),
                "Stage 2 end": "2027-02-07",
                "Stage 2 quantity": 50,
                "Approved": "No",
            },
        ),
        offer_row(3, **{"EAN": None, "Stage 1 quantity": 12.0}),  # matched by ASIN only
    ]
    content = offer_xlsx(rows)

    offer = offer_import(actor=admin_user, shop=shop, upload=as_upload(content))

    assert offer.name == "OFFER-123" and offer.status == OfferStatus.DRAFT
    assert offer.row_count == 3 and offer.currency == "EUR"
    assert offer.value == Decimal("10.5") * 100 + Decimal("7.25") * 150 + Decimal("10.5") * 12
    assert offer.expires_at - offer.created_at == timedelta(days=7)
    assert offer.created_by == admin_user
    stored = Offer.objects.get(pk=offer.pk)
    assert bytes(stored.source_file) == content and stored.source_name == "OFFER-123.xlsx"
    assert stored.sheet_name == "Offer" and stored.header_row == 1
    assert stored.columns == {
        "asin": 0,
        "ean": 1,
        "title": 2,
        "unit_cost": 3,
        "currency": 4,
        "stage1_from": 5,
        "stage1_to": 6,
        "stage1_qty": 7,
        "stage2_from": 8,
        "stage2_to": 9,
        "stage2_qty": 10,
        "approved": 11,
        "comment": 12,
    }
    first, second, third = OfferRow.objects.filter(offer=offer).order_by("row_number")
    assert [r.row_number for r in (first, second, third)] == [2, 3, 4]
    assert [r.product for r in (first, second, third)] == products
    assert (first.approved, first.comment, first.stage2_qty) == (True, "Priority", None)
    assert (first.stage1_from, first.stage1_to, first.stage1_qty) == (
        date(2027, 1, 4),
        date(2027, 1, 10),
        100,
    )
    assert second.unit_cost == Decimal("7.25") and second.approved is False
    assert (second.stage2_from, second.stage2_to, second.stage2_qty) == (
        date(2027, 2, 1),
        date(2027, 2, 7),
        50,
    )
    assert third.approved is None and third.ean == "" and third.stage1_qty == 12
    entry = AuditEntry.objects.get(action="offer.import")
    assert entry.actor == admin_user and entry.changes["rows"] == [None, 3]
    # The import opens the offer's history: no stage, before any revision bump.
    event = OfferEvent.objects.get(offer=offer)
    assert (event.action, event.stage, event.user, event.revision) == ("import", "", admin_user, 1)
    assert event.changes == {"file": "OFFER-123.xlsx", "count": 3}


def test_reordered_columns_synonyms_and_a_title_above_the_header_import_the_same(
    shop, admin_user, products
):
    headers = (
        "Comment",
        "Delivery window 1 quantity",
        "Product title",
        "Delivery window 1 end",
        "Vendor Product ID",
        "Notes for Amazon (internal)",  # unknown column: ignored
        "Cost (EUR)",
        "asin",
        "Currency",
        "Delivery window 1 start",
        "APPROVED",
    )
    row = offer_row(1, **{"Approved": "y", "Comment": "ok"})
    row = {
        "Comment": row["Comment"],
        "Delivery window 1 quantity": row["Stage 1 quantity"],
        "Product title": row["Title"],
        "Delivery window 1 end": row["Stage 1 end"],
        "Vendor Product ID": int(row["EAN"]),  # a number cell, as Excel keeps EANs
        "Notes for Amazon (internal)": "whatever",
        "Cost (EUR)": row["Unit cost"],
        "asin": row["ASIN"],
        "Currency": "eur",
        "Delivery window 1 start": row["Stage 1 start"],
        "APPROVED": row["Approved"],
    }

    offer = import_rows(
        shop,
        admin_user,
        [row],
        headers=headers,
        preamble=(("Bulk Buy Offer 4711 for VNDR1",), ()),
    )

    assert offer.header_row == 3 and offer.columns["asin"] == 7 and offer.columns["ean"] == 4
    imported = offer.rows.get()
    assert imported.row_number == 4 and imported.product == products[0]
    assert imported.unit_cost == Decimal("10.5") and imported.stage1_qty == 100
    assert imported.approved is True and imported.comment == "ok" and imported.currency == "EUR"


def test_ean_without_its_leading_zeros_still_matches(shop, admin_user):
    product = product_create(
        actor=admin_user, shop=shop, values={"ean": "0012345678905", "title": "UPC item"}
    )
    offer = import_rows(shop, admin_user, [offer_row(1, EAN=12345678905, ASIN=None)])
    assert offer.rows.get().product == product


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Unit Cost (EUR)", "unit cost"),
        ("Delivery_Window-1 Start", "delivery window 1 start"),
        ("Stage1 Quantity", "stage 1 quantity"),
        ("  EAN  ", "ean"),
        (None, ""),
    ],
)
def test_headers_are_compared_by_normalized_name(header, expected):
    assert normalize_header(header) == expected


# --- Refused files: nothing saved ---------------------------------------------------------


def test_unknown_ean_lists_the_bad_rows_and_saves_nothing(shop, admin_user, products):
    rows = [
        offer_row(1),
        offer_row(7, ASIN=None),  # EAN 4000000000007: no such product
        offer_row(2),
        offer_row(8),  # neither id known
    ]
    with pytest.raises(OfferImportError) as excinfo:
        import_rows(shop, admin_user, rows)

    assert problems_of(excinfo) == [
        "Row 3: no product with EAN 4000000000007.",
        "Row 5: no product with EAN 4000000000008 or ASIN B000000008.",
    ]
    assert "2 problems" in excinfo.value.message
    assert not Offer.objects.exists() and not OfferRow.objects.exists()
    assert not AuditEntry.objects.filter(action="offer.import").exists()
    assert not OfferEvent.objects.exists()


def test_every_bad_cell_is_reported_with_its_row(shop, admin_user, products):
    rows = [
        offer_row(1, **{"Unit cost": "abc", "Stage 1 quantity": 2.5}),
        offer_row(2, **{"Stage 1 start": "next week", "Approved": "maybe"}),
        offer_row(3, **{"Stage 1 start": date(2027, 1, 20), "Stage 2 quantity": 10}),
        offer_row(1, **{"Stage 1 end": None}),  # repeats row 2's product, lacks a date
    ]
    with pytest.raises(OfferImportError) as excinfo:
        import_rows(shop, admin_user, rows)

    assert problems_of(excinfo) == [
        "Row 2: Unit cost “abc” is not an amount.",
        "Row 2: Stage 1 quantity “2.5” is not a whole number.",
        "Row 3: Stage 1 start “next week” is not a date (write it as 2026-12-01 or 01.12.2026).",
        "Row 3: Approved “maybe” is neither yes nor no.",
        "Row 4: Stage 1 ends before it starts.",
        "Row 4: Stage 2 needs a start, an end and a quantity, or none of them.",
        "Row 5: Stage 1 end is empty.",
        "Row 5: the same product as row 2.",
    ]
    assert not Offer.objects.exists()


def test_ean_and_asin_of_two_different_products_are_refused(shop, admin_user, products):
    with pytest.raises(OfferImportError) as excinfo:
        import_rows(shop, admin_user, [offer_row(1, ASIN="B000000002")])
    assert problems_of(excinfo) == [
        "Row 2: EAN 4000000000001 and ASIN B000000002 belong to two different products."
    ]


def test_mixed_currencies_are_refused(shop, admin_user, products):
    with pytest.raises(OfferImportError) as excinfo:
        import_rows(shop, admin_user, [offer_row(1), offer_row(2, Currency="USD")])
    assert problems_of(excinfo) == ["The rows use several currencies (EUR, USD); use one."]


def test_a_value_too_large_to_store_is_refused(shop, admin_user, products):
    rows = [offer_row(1, **{"Unit cost": 99_999_999, "Stage 1 quantity": 2_000_000_000})]
    with pytest.raises(OfferImportError, match="total value is too large"):
        import_rows(shop, admin_user, rows)
    assert not Offer.objects.exists()


def test_missing_headers_are_named(shop, admin_user, products):
    headers = tuple(h for h in HEADERS if h not in ("Stage 1 quantity", "Unit cost", "Stage 2 end"))
    with pytest.raises(WorkbookError) as excinfo:
        import_rows(shop, admin_user, [offer_row(1)], headers=headers)
    assert excinfo.value.message == (
        "The header (row 1 of sheet “Offer”) lacks these columns: Unit cost, "
        "Stage 1 quantity, Stage 2 end."
    )
    assert excinfo.value.field == "file"
    assert not Offer.objects.exists()


def test_a_column_named_twice_is_refused(shop, admin_user, products):
    with pytest.raises(WorkbookError, match="names these columns twice: Unit cost"):
        import_rows(shop, admin_user, [offer_row(1)], headers=(*HEADERS, "Cost"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (offer_xlsx([], headers=()), "The workbook is empty"),
        (offer_xlsx([]), "has a header but no rows of products"),
        (offer_xlsx([{"A": 1}], headers=("Price list", "Week")), "No header row found"),
    ],
    ids=["zero-bytes", "no-cells", "header-only", "no-header"],
)
def test_empty_files_are_refused_clearly(shop, admin_user, content, message):
    with pytest.raises(WorkbookError) as excinfo:
        offer_import(actor=admin_user, shop=shop, upload=as_upload(content))
    assert message in excinfo.value.message
    assert not Offer.objects.exists()


def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ASIN;EAN;Unit cost\nB000000001;4000000000001;10.5\n", "not an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old Excel 97–2003 (.xls)"),
        (_zip_without_workbook(), "could not be read as an Excel workbook"),
        (b"PK\x03\x04 truncated", "could not be read as an Excel workbook"),
    ],
    ids=["csv-named-xlsx", "xls", "other-zip", "broken-zip"],
)
def test_non_xlsx_content_is_refused_with_a_clear_message(shop, admin_user, content, message):
    with pytest.raises(WorkbookError) as excinfo:
        offer_import(actor=admin_user, shop=shop, upload=as_upload(content))
    assert message in excinfo.value.message
    assert not Offer.objects.exists()


# --- Pages --------------------------------------------------------------------------------


def post_offer(client, shop, content: bytes, filename: str = "OFFER-123.xlsx", **data):
    return client.post(
        reverse("bulkbuy:offer-upload", args=[shop.pk]),
        {"file": as_upload(content, filename), **data},
    )


def test_upload_page_imports_and_shows_the_offer(shop, admin_client, products):
    response = post_offer(
        admin_client, shop, offer_xlsx([offer_row(1), offer_row(2)]), filename="AMZ-9.xlsx"
    )

    offer = Offer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("bulkbuy:offer-detail", args=[shop.pk, offer.pk])
    page = admin_client.get(response.url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Offer AMZ-9" in html and "Product 2" in html and "4000000000002" in html
    listing = admin_client.get(reverse("bulkbuy:offer-list", args=[shop.pk])).content.decode()
    # A new offer waits for Commerce (as the dashboard counts it), and is open.
    assert "AMZ-9" in listing and "<td>Commerce</td>" in listing and "Open" in listing
    assert "2,100.00 EUR" in listing  # 10.50 × 100 × 2


def test_upload_name_field_overrides_the_file_name(shop, admin_client, products):
    post_offer(admin_client, shop, offer_xlsx([offer_row(1)]), filename="x.xlsx")
    post_offer(admin_client, shop, offer_xlsx([offer_row(2)]), filename="y.xlsx", name=" BB-1 ")
    assert sorted(Offer.objects.values_list("name", flat=True)) == ["BB-1", "x"]


def test_upload_page_lists_the_bad_rows_and_saves_nothing(shop, admin_client, products):
    response = post_offer(admin_client, shop, offer_xlsx([offer_row(1), offer_row(9)]))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was imported: 1 problem in the file." in html
    assert "Row 3: no product with EAN 4000000000009 or ASIN B000000009." in html
    assert not Offer.objects.exists()


def test_upload_page_refuses_a_csv_by_its_name(shop, admin_client):
    response = post_offer(admin_client, shop, b"ASIN,EAN\n", filename="offer.csv")
    assert response.status_code == 400
    assert "Upload an Excel workbook (.xlsx)" in response.content.decode()
    assert not Offer.objects.exists()


def test_upload_page_refuses_a_text_file_named_xlsx(shop, admin_client):
    response = post_offer(admin_client, shop, b"just some text", filename="offer.xlsx")
    assert response.status_code == 400
    assert "This is not an Excel workbook (.xlsx)" in response.content.decode()


def test_upload_page_refuses_an_empty_upload(shop, admin_client):
    response = post_offer(admin_client, shop, b"", filename="offer.xlsx")
    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()


def test_user_without_offers_add_cannot_upload(shop, viewer_client, products):
    page = viewer_client.get(reverse("bulkbuy:offer-list", args=[shop.pk]))
    assert page.status_code == 200 and "Import an offer" not in page.content.decode()

    response = post_offer(viewer_client, shop, offer_xlsx([offer_row(1)]))

    assert response.status_code == 403
    assert not Offer.objects.exists()


def test_commerce_role_with_offers_add_can_upload(shop, products):
    user = UserFactory(username="commerce")
    add_member(shop, user, "Commerce")
    client = web_client_for(user)
    assert (
        "Import an offer"
        in client.get(reverse("bulkbuy:offer-list", args=[shop.pk])).content.decode()
    )

    response = post_offer(client, shop, offer_xlsx([offer_row(1)]))

    assert response.status_code == 302
    assert Offer.objects.get().created_by == user


def test_another_shops_offer_is_not_found(shop, admin_user, other_client):
    offer = make_offer(shop, admin_user)
    for name in ("bulkbuy:offer-detail", "bulkbuy:offer-file"):
        assert other_client.get(reverse(name, args=[shop.pk, offer.pk])).status_code == 404


def test_original_file_downloads_byte_for_byte(shop, admin_user, viewer_client):
    offer = make_offer(shop, admin_user)
    response = viewer_client.get(reverse("bulkbuy:offer-file", args=[shop.pk, offer.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == bytes(Offer.objects.get().source_file)
    assert 'filename="OFFER-123.xlsx"' in response["Content-Disposition"]


def test_offer_list_stays_within_a_query_budget_and_never_loads_files(
    shop, admin_user, admin_client
):
    for _ in range(5):
        make_offer(shop, admin_user)
    url = reverse("bulkbuy:offer-list", args=[shop.pk])
    admin_client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200 and response.content.decode().count("OFFER-123") >= 5
    assert len(queries) <= 9, [q["sql"] for q in queries]
    offer_queries = [q["sql"] for q in queries if '"bulkbuy_offer"' in q["sql"]]
    assert offer_queries and not any("source_file" in sql for sql in offer_queries)


def test_offer_detail_shows_rows_and_expiry(shop, admin_user, viewer_client):
    offer = make_offer(shop, admin_user, rows=3)
    response = viewer_client.get(reverse("bulkbuy:offer-detail", args=[shop.pk, offer.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="mono">B00000000') == 3
    assert offer.expires_at.strftime("%Y-%m-%d %H:%M") in html
    assert "pending" in html
