"""In a real browser, one person holding all three approval stages walks an offer from the
upload through Commerce, Manufacture (by form) and Warehouse (by form and by stage file) to
Complete, exports it for Amazon and reads the history; a Commerce-only colleague is not
offered the Manufacture controls."""

import io
import re
from datetime import date
from pathlib import Path
from typing import cast

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from playwright.sync_api import Locator, Page, expect

from bulkbuy.models import Offer
from tests.support.factories import UserFactory, add_member
from tests.support.offers import make_products, offer_row, offer_xlsx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-Secret-123"  # UserFactory's
OFFER_NAME = "BBO-7731"
PREAMBLE = (("Amazon Bulk Buy Offer BBO-7731",), ("Vendor code ACME1", "Reply within 7 days"))
# Sheet rows: two preamble lines and the header come first, so the data starts at row 4.
KETTLE, TOASTER, MIXER = 4, 5, 6
EANS = {KETTLE: "4000000000001", TOASTER: "4000000000002", MIXER: "4000000000003"}
QTY1, QTY2, APPROVED = "Stage 1 quantity", "Stage 2 quantity", "Approved"


def offer_workbook() -> bytes:
    """Amazon's file: three products, two with a second delivery stage, comments, a title
    above the header and a second sheet that the export must leave alone."""
    second_stage = {
        "Stage 2 start": date(2027, 2, 1),
        "Stage 2 end": date(2027, 2, 7),
    }
    rows = [
        offer_row(1, **second_stage, **{"Stage 2 quantity": 50, "Comment": "Q1 promo"}),
        offer_row(2, **second_stage, **{"Unit cost": 4.25, "Stage 2 quantity": 20}),
        offer_row(3, **{"Unit cost": 7.8, "Stage 1 quantity": 60, "Comment": "new listing"}),
    ]
    workbook = load_workbook(io.BytesIO(offer_xlsx(rows, preamble=PREAMBLE)))
    notes = workbook.create_sheet("Instructions")
    notes.append(["Fill in Approved and the quantities, then upload the file."])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()


def expect_success(page: Page, text: str) -> None:
    """The step's flash message, and no error beside it (an error's text shows in the diff)."""
    expect(page.locator("ul.messages li")).to_have_text([text])
    expect(page.locator("ul.messages li")).to_have_class(["success"])


def rows_table(page: Page) -> Locator:
    return page.locator("table", has=page.get_by_role("columnheader", name="EAN", exact=True))


def row_cells(page: Page, row_number: int) -> dict[str, Locator]:
    """The cells of one offer row, by column header."""
    table = rows_table(page)
    expect(table).to_be_visible()
    headers = [h.strip() for h in table.get_by_role("columnheader").all_text_contents()]
    row = table.locator("tbody tr").filter(has_text=EANS[row_number])
    return {header: row.locator("td").nth(i) for i, header in enumerate(headers)}


def expect_row(page: Page, row_number: int, **texts: str) -> None:
    cells = row_cells(page, row_number)
    for column, text in texts.items():
        expect(cells[column.replace("_", " ")]).to_have_text(text)


def stage_row(page: Page, label: str) -> Locator:
    table = page.locator("table", has=page.get_by_role("columnheader", name="Pending rows"))
    return table.locator("tbody tr").filter(has_text=label)


def quantity(page: Page, stage: str, n: int, row_number: int) -> Locator:
    return page.get_by_role("spinbutton", name=f"{stage} quantity {n}, row {row_number}")


def sheet_values(content: bytes) -> dict[str, list[list[object]]]:
    workbook = load_workbook(io.BytesIO(content))
    return {
        ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets
    }


def assert_commerce_only_sees_no_manufacture_controls(page: Page, url: str) -> None:
    log_in(page, url, "colin")
    for address in (url, f"{url}?as=manufacture"):
        page.goto(address)
        expect(page.get_by_role("heading", name=f"Offer {OFFER_NAME}")).to_be_visible()
        expect(stage_row(page, "Manufacture")).to_contain_text("Current")
        expect(stage_row(page, "Commerce")).to_contain_text("Commerce (acting as)")
        expect(page.get_by_text("Act as:")).to_have_count(0)
        expect(page.get_by_role("spinbutton")).to_have_count(0)
        expect(page.get_by_role("button", name=re.compile("Approve|Save|Upload"))).to_have_count(0)
        expect(page.get_by_role("link", name=re.compile("stage file"))).to_have_count(0)
        expect_row(page, KETTLE, Manufacture="pending / pending")
    response = page.request.get(f"{url}stage/file/?as=manufacture")
    assert response.status == 403


def test_offer_walks_from_upload_through_the_stages_to_the_export(
    live_server,
    shop,
    admin_user,
    browser_page,
    tmp_path: Path,
):
    make_products(shop, admin_user, count=3)
    walker = cast(User, UserFactory(username="erin"))  # factory_boy builds the model
    add_member(shop, walker, "Commerce", "Manufacture", "Warehouse")
    add_member(shop, UserFactory(username="colin"), "Commerce")
    original = offer_workbook()
    source = tmp_path / f"{OFFER_NAME}.xlsx"
    source.write_bytes(original)
    page = browser_page

    # Log in, open the offers list from the menu and import the file.
    log_in(page, f"{live_server.url}/", walker.username)
    page.get_by_role("navigation").get_by_role("link", name="Bulk Buy Offers").click()
    expect(page.get_by_role("heading", name="Bulk Buy Offers")).to_be_visible()
    expect(page.get_by_text("No offers yet.")).to_be_visible()
    page.get_by_label("Offer file").set_input_files(source)
    page.get_by_role("button", name="Import").click()
    expect_success(page, f"Offer “{OFFER_NAME}” imported: 3 rows.")
    expect(page.get_by_role("heading", name=f"Offer {OFFER_NAME}")).to_be_visible()
    expect(stage_row(page, "Commerce")).to_contain_text("Commerce (acting as)")
    expect(stage_row(page, "Commerce")).to_contain_text("Current")
    expect_row(page, KETTLE, Row="4", Stage_1_qty="100", Stage_2_qty="50", Comment="Q1 promo")
    expect_row(page, MIXER, Row="6", Stage_1_qty="60", Stage_2_qty="—", Manufacture="—")
    offer = Offer.objects.get(shop=shop)
    offer_url = f"{live_server.url}/shops/{shop.pk}/offers/{offer.pk}/"
    expect(page).to_have_url(offer_url)

    # Commerce: decline the toaster, approve the rest with "Approve pending", approve.
    page.get_by_role("combobox", name=f"Approved, row {TOASTER}").select_option(label="No")
    page.get_by_role("button", name="Save Commerce values on this page").click()
    expect_success(page, "Decisions saved.")
    expect(page.get_by_role("combobox", name=f"Approved, row {TOASTER}")).to_have_value("no")
    expect(page.get_by_role("combobox", name=f"Approved, row {KETTLE}")).to_have_value("")
    page.get_by_role("button", name="Approve pending").click()
    expect_success(page, "Decisions saved.")
    for row_number, decision in ((KETTLE, "yes"), (TOASTER, "no"), (MIXER, "yes")):
        combobox = page.get_by_role("combobox", name=f"Approved, row {row_number}")
        expect(combobox).to_have_value(decision)
    page.get_by_role("button", name="Approve Commerce stage").click()
    expect_success(page, "Commerce stage approved.")
    expect(stage_row(page, "Commerce")).to_contain_text("Approved")
    expect(stage_row(page, "Manufacture")).to_contain_text("Current")
    # erin holds Manufacture too: the page goes on as Manufacture without "Act as".
    expect(stage_row(page, "Manufacture")).to_contain_text("Manufacture (acting as)")
    expect(page.get_by_role("button", name="Revoke Commerce approval")).to_be_visible()

    # A colleague holding only Commerce is not offered Manufacture's controls.
    context = page.context.browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        assert_commerce_only_sees_no_manufacture_controls(context.new_page(), offer_url)
    finally:
        context.close()

    # Manufacture: less than offered on the kettle's first stage.
    expect_row(page, TOASTER, Approved="No", Manufacture="—")
    expect(quantity(page, "Manufacture", 1, TOASTER)).to_have_count(0)
    expect(quantity(page, "Manufacture", 2, MIXER)).to_have_count(0)  # one delivery stage
    quantity(page, "Manufacture", 1, KETTLE).fill("80")
    quantity(page, "Manufacture", 2, KETTLE).fill("50")
    quantity(page, "Manufacture", 1, MIXER).fill("60")
    page.get_by_role("button", name="Save Manufacture values on this page").click()
    expect_success(page, "Quantities saved.")
    expect(quantity(page, "Manufacture", 1, KETTLE)).to_have_value("80")
    expect(stage_row(page, "Manufacture")).to_contain_text("erin")
    page.get_by_role("button", name="Approve Manufacture stage").click()
    expect_success(page, "Manufacture stage approved.")
    expect(stage_row(page, "Warehouse")).to_contain_text("Current")
    expect(stage_row(page, "Warehouse")).to_contain_text("Warehouse (acting as)")
    expect_row(page, KETTLE, Manufacture="80 / 50")
    expect_row(page, MIXER, Manufacture="60")
    expect(quantity(page, "Warehouse", 1, KETTLE)).to_have_value("")  # pending

    # Warehouse: the kettle by form, then the mixer (and a change) through the stage file.
    quantity(page, "Warehouse", 1, KETTLE).fill("70")
    quantity(page, "Warehouse", 2, KETTLE).fill("50")
    page.get_by_role("button", name="Save Warehouse values on this page").click()
    expect_success(page, "Quantities saved.")
    expect(stage_row(page, "Warehouse").locator("td").nth(2)).to_have_text("1")  # the mixer
    # The Warehouse stage ends with Complete, not with an approval of its own.
    expect(page.get_by_role("button", name="Approve Warehouse stage")).to_have_count(0)

    revision = Offer.objects.get(pk=offer.pk).revision
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the Warehouse stage file").click()
    download = download_info.value
    assert download.suggested_filename == f"{OFFER_NAME}-warehouse-r{revision}.xlsx"
    filled = tmp_path / download.suggested_filename
    download.save_as(filled)
    stage_file = load_workbook(filled)
    sheet = cast(Worksheet, stage_file.active)
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[:3] == [
        ["Offer", offer.pk, OFFER_NAME, *[None] * 7],
        ["Stage", "warehouse", *[None] * 8],
        ["Revision", revision, "Do not edit the first three rows.", *[None] * 7],
    ]
    # Approved rows only: (Row, EAN, Offer qty 1/2, Manufacture's qty 1/2, Warehouse's 1/2).
    assert [(r[0], r[1], *r[4:]) for r in cells[5:]] == [
        (KETTLE, EANS[KETTLE], 100, 50, 80, 50, 70, 50),
        (MIXER, EANS[MIXER], 60, None, 60, None, None, None),
    ]
    sheet.cell(row=6, column=10, value=45)  # kettle, Quantity 2: 50 → 45
    sheet.cell(row=7, column=9, value=55)  # mixer, Quantity 1: pending → 55
    stage_file.save(filled)
    upload_form = page.locator(
        "form", has=page.get_by_role("link", name="Download the Warehouse stage file")
    )
    page.get_by_label("Warehouse stage file (.xlsx)").set_input_files(filled)
    upload_form.get_by_role("button", name="Upload").click()
    expect_success(page, "Stage file applied.")
    expect(quantity(page, "Warehouse", 2, KETTLE)).to_have_value("45")
    expect(quantity(page, "Warehouse", 1, MIXER)).to_have_value("55")
    expect(stage_row(page, "Warehouse").locator("td").nth(2)).to_have_text("0")

    # Complete: the offer is locked, with no edit controls left.
    page.get_by_role("button", name="Complete offer").click()
    expect_success(page, "Offer completed: it is locked now.")
    expect(page.get_by_text("The offer is locked.")).to_be_visible()
    for label in ("Commerce", "Manufacture", "Warehouse"):
        expect(stage_row(page, label)).to_contain_text("Approved")
    expect(page.get_by_role("button")).to_have_text(["Log out"])  # no step left to take
    expect(page.get_by_role("spinbutton")).to_have_count(0)
    expect(page.get_by_role("combobox")).to_have_count(0)
    expect(page.locator("input[type=file]")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("stage file"))).to_have_count(0)
    expect_row(page, KETTLE, Approved="Yes", Manufacture="80 / 50", Warehouse="70 / 45")
    expect_row(page, TOASTER, Approved="No", Manufacture="—", Warehouse="—")
    expect_row(page, MIXER, Approved="Yes", Manufacture="60", Warehouse="55")

    # Export for Amazon: Amazon's own file with the Warehouse's quantities and yes/no.
    with page.expect_download() as export_info:
        page.get_by_role("link", name="Export for Amazon").click()
    export = export_info.value
    assert export.suggested_filename == f"{OFFER_NAME}-final.xlsx"
    before, after = sheet_values(original), sheet_values(Path(export.path()).read_bytes())
    assert list(after) == ["Offer", "Instructions"]
    header = before["Offer"][2]
    final: dict[int, dict[str, object]] = {
        KETTLE: {QTY1: 70, QTY2: 45, APPROVED: "yes"},
        TOASTER: {QTY1: 0, QTY2: 0, APPROVED: "no"},
        MIXER: {QTY1: 55, QTY2: None, APPROVED: "yes"},  # no second stage: left blank
    }
    expected = {title: [list(r) for r in rows] for title, rows in before.items()}
    for row_number, values in final.items():
        for column, value in values.items():
            expected["Offer"][row_number - 1][header.index(column)] = value
    assert after["Instructions"] == expected["Instructions"]
    assert len(after["Offer"]) == len(expected["Offer"])
    for number, (got, want) in enumerate(zip(after["Offer"], expected["Offer"], strict=True), 1):
        assert got == want, f"sheet row {number}"

    # The history names every step from the upload on, its stage, who took it and what
    # changed, in the page's words (newest first).
    history = page.locator("#offer-history tbody tr")
    m1, m2, w1, w2 = (f"{s} qty stage {n}" for s in ("Manufacture", "Warehouse") for n in (1, 2))
    steps = [
        ("Warehouse", "Offer completed", "Warehouse → Completed"),
        (
            "Warehouse",
            "Stage file uploaded",
            f"File {filled.name}. 2 rows: row {KETTLE} ({w2} 50 → 45); "
            f"row {MIXER} ({w1} pending → 55)",
        ),
        (
            "Warehouse",
            "Quantities entered",
            f"1 row: row {KETTLE} ({w1} pending → 70, {w2} pending → 50)",
        ),
        ("Manufacture", "Stage approved", "Manufacture → Warehouse"),
        (
            "Manufacture",
            "Quantities entered",
            f"2 rows: row {KETTLE} ({m1} pending → 80, {m2} pending → 50); "
            f"row {MIXER} ({m1} pending → 60)",
        ),
        ("Commerce", "Stage approved", "Draft → Manufacture"),
        (
            "Commerce",
            "Rows decided",
            f"Approve pending. 2 rows: row {KETTLE} (Approved pending → Yes); "
            f"row {MIXER} (Approved pending → Yes)",
        ),
        ("Commerce", "Rows decided", f"1 row: row {TOASTER} (Approved pending → No)"),
        ("—", "Offer imported", f"File {OFFER_NAME}.xlsx. 3 rows"),
    ]
    expect(history).to_have_count(len(steps))
    expect(history.locator("td:nth-child(2)")).to_have_text(["erin"] * len(steps))
    expect(history.locator("td:nth-child(3)")).to_have_text([s[0] for s in steps])
    expect(history.locator("td:nth-child(4)")).to_contain_text([s[1] for s in steps])
    expect(history.locator("td:nth-child(5)")).to_have_text([s[2] for s in steps])
