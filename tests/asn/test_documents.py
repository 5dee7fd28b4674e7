"""Shipment documents: label PDFs whose barcodes scan back to exactly the SSCC, template
validation with readable errors, the sandbox, and the packing list's content."""

from dataclasses import replace
from decimal import Decimal

import pytest

from asn.documents import (
    KINDS,
    CartonLabel,
    DocumentError,
    Item,
    PackingCarton,
    PackingList,
    default_template,
    render_carton_labels,
    render_packing_list,
    render_pallet_labels,
    render_preview,
    render_shipment_labels,
    sample_document,
    template_errors,
)
from asn.documents.engine.barcode import BARCODE_MODULE_MM
from asn.gs1 import make_sscc
from tests.support.pdfs import assert_gs1_sscc, page_text, pdf_pages, scan


def cartons(count: int, prefix: str = "4012345") -> list[CartonLabel]:
    sample = sample_document("carton_label")
    assert isinstance(sample, CartonLabel)
    return [
        replace(sample, sscc=make_sscc(prefix, 5000 + n), carton_index=n + 1, carton_total=count)
        for n in range(count)
    ]


# --- Label barcodes scan back to exactly the SSCC ----------------------------------------


def test_carton_labels_4x6_decode_to_exactly_each_sscc():
    labels = cartons(3)
    pdf = render_carton_labels(default_template("carton_label"), labels, "4x6")
    assert pdf.startswith(b"%PDF")
    pages = scan(pdf)
    assert len(pages) == 3
    for label, found in zip(labels, pages, strict=True):
        assert len(found) == 1
        assert assert_gs1_sscc(found[0]) == label.sscc


def test_carton_labels_a4_four_per_sheet_decode_to_exactly_each_sscc():
    labels = cartons(6)
    pdf = render_carton_labels(default_template("carton_label"), labels, "A4")
    pages = scan(pdf, dpi=200)
    assert len(pages) == 2
    assert sorted(assert_gs1_sscc(b) for b in pages[0]) == sorted(x.sscc for x in labels[:4])
    assert sorted(assert_gs1_sscc(b) for b in pages[1]) == sorted(x.sscc for x in labels[4:])


@pytest.mark.parametrize("page_size", ["4x6", "A4"])
def test_pallet_labels_decode_with_copies(page_size):
    sample = sample_document("pallet_label")
    pallets = [replace(sample, sscc=make_sscc("4012345", n, extension=3)) for n in range(2)]
    pdf = render_pallet_labels(default_template("pallet_label"), pallets, page_size, copies=2)
    found = [assert_gs1_sscc(b) for page in scan(pdf, dpi=200) for b in page]
    assert sorted(found) == sorted([p.sscc for p in pallets] * 2)
    assert pdf_pages(pdf) == (4 if page_size == "4x6" else 1)


def test_shipment_labels_put_pallets_after_cartons_on_a_new_sheet():
    labels = cartons(5)
    pallet = replace(sample_document("pallet_label"), sscc=make_sscc("4012345", 7, extension=3))
    pdf = render_shipment_labels(
        default_template("carton_label"), labels, default_template("pallet_label"), [pallet], "A4"
    )
    pages = scan(pdf, dpi=200)
    assert len(pages) == 3  # 4 cartons, 1 carton, then the pallet on its own sheet
    assert [assert_gs1_sscc(b) for b in pages[2]] == [pallet.sscc]


def test_barcode_has_the_gs1_x_dimension_on_paper():
    """156 modules (start C, FNC1, 10 digit pairs, check, stop) of 0.508 mm: 79.25 mm."""
    pdf = render_preview("carton_label", default_template("carton_label"), "4x6")
    dpi = 300
    (barcode,) = scan(pdf, dpi=dpi)[0]
    width_px = barcode.position.top_right.x - barcode.position.top_left.x
    width_mm = width_px / dpi * 25.4
    assert BARCODE_MODULE_MM >= 0.495
    assert width_mm == pytest.approx(156 * BARCODE_MODULE_MM, rel=0.02)


def test_non_latin1_letters_are_printed():
    pdf = render_preview("carton_label", default_template("carton_label"), "4x6")
    (text,) = page_text(pdf)
    assert "Wrocławskie" in text
    assert "Industriestraße" in text


# --- Templates: defaults work, broken ones explain themselves ----------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_default_templates_have_no_errors(kind):
    assert template_errors(kind, default_template(kind)) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("page_size", ["4x6", "A4"])
def test_previews_render(kind, page_size):
    pdf = render_preview(kind, default_template(kind), page_size)
    assert pdf_pages(pdf) >= 1


BARCODE = '<barcode sscc="{{ label.sscc }}">'


@pytest.mark.parametrize(
    ("source", "fragments"),
    [
        ("{% if label.sscc %}" + BARCODE, ["Template line 1", "endif"]),
        (BARCODE + '{% include "base.html" %}', ["'include'", "cannot include"]),
        (BARCODE + '{% extends "base.html" %}', ["extends"]),
        ("{% load static %}" + BARCODE, ["'load'"]),
        (BARCODE + "{% debug %}", ["'debug'"]),
        (BARCODE + "{{ label.sscc|pprint }}", ["pprint"]),
        (BARCODE + "<p>{{ label.ssc }}</p>", ["{{ label.ssc }} is not a known field"]),
        (BARCODE + '<img src="/etc/passwd">', ["<img> is not supported"]),
        (BARCODE + '<p style="float: left">x</p>', ["'float' is not supported"]),
        (BARCODE + "<style>p { color: bleu }</style><p>x</p>", ["'bleu' is not a color"]),
        (BARCODE + "<div><p>x</div>", []),  # HTML lets </p> be left out: no error
        (BARCODE + "<div><b>x</div>", ["closes <div> while <b>"]),
        ("<p>{{ label.sscc }}</p>", ["no barcode for the label's SSCC"]),
        ('<barcode sscc="{{ label.sscc }}" module="0.3mm">', ["X-dimension", "0.495 mm"]),
        ('<barcode sscc="{{ label.sscc }}" height="20mm">', ["31.75 mm"]),
        ('<barcode sscc="106141411234567890">', ["check digit"]),
        (
            BARCODE
            + "{% for i in '123456789012345678901234567890' %}<h1>Line {{ i }}</h1>{% endfor %}",
            ["mm too much", "4x6 in label"],
        ),
        ('<div style="padding: 0 20mm">' + BARCODE + "</div>", ["barcode needs 89.4 mm"]),
        ("", ["The template is empty."]),
    ],
)
def test_broken_carton_templates_give_readable_errors(source, fragments):
    errors = template_errors("carton_label", source)
    if not fragments:
        assert errors == []
        return
    assert errors, source
    text = "\n".join(errors)
    for fragment in fragments:
        assert fragment in text, text
    assert "Traceback" not in text


def test_rendering_a_broken_template_raises_document_error():
    with pytest.raises(DocumentError) as error:
        render_carton_labels("{% if %}", cartons(1))
    assert error.value.messages and "Template line 1" in error.value.messages[0]
    with pytest.raises(DocumentError, match=r"Carton label 1 .*<img> is not supported"):
        render_carton_labels(BARCODE + "<img>", cartons(1))


def test_a_label_that_overflows_with_real_data_names_the_carton():
    long_items = tuple(
        Item(f"400638133{n:04d}", "Very long product title " * 4, 1) for n in 30 * [0]
    )
    template = BARCODE + "{% for item in label.items %}<p>{{ item.title }}</p>{% endfor %}"
    labels = [replace(cartons(1)[0], items=long_items)]
    with pytest.raises(
        DocumentError, match=f"Carton label 1 \\(SSCC {labels[0].sscc}\\).*too much"
    ):
        render_carton_labels(template, labels)


def test_template_data_is_escaped_not_markup():
    label = replace(cartons(1)[0], items=(Item("4006381333931", "Pan <b>28 cm</b> & lid", 1),))
    template = BARCODE + "{% for item in label.items %}<p>{{ item.title }}</p>{% endfor %}"
    (text,) = page_text(render_carton_labels(template, [label]))
    assert "Pan <b>28 cm</b> & lid" in text


def test_sandbox_cannot_reach_project_templates_or_settings():
    # A template that exists in the project (the project's engine would find it):
    assert (
        "cannot include"
        in template_errors("carton_label", BARCODE + '{% include "base.html" %}')[0]
    )
    errors = template_errors("carton_label", BARCODE + "{{ settings.SECRET_KEY }}")
    assert any("settings.SECRET_KEY" in e for e in errors)


# --- Packing list ------------------------------------------------------------------------


def test_packing_list_contains_the_expected_lines():
    packing = sample_document("packing_list")
    pdf = render_packing_list(default_template("packing_list"), packing, "A4")
    (text,) = page_text(pdf)
    assert "Packing list SHP-2026-000123" in text
    assert "BOL-7781-2026-11" in text and "DHL Freight" in text and "30.11.2026" in text
    for pallet in packing.pallets:
        assert pallet.sscc in text
    for carton in packing.cartons:
        assert carton.sscc in text
    for item in packing.items:
        # "EAN title units" on one line of the "Totals by product" table
        assert f"{item.ean} {item.title} {item.quantity}" in " ".join(text.split())
    assert f"Total {packing.unit_count}" in " ".join(text.split())
    assert "SHP-2026-000123 · page 1 of 1" in text


@pytest.mark.parametrize("page_size", ["A4", "4x6"])
def test_long_packing_list_continues_on_more_pages_with_the_header(page_size):
    many = [
        PackingCarton(
            sscc=make_sscc("4012345", n),
            items=(Item(f"400638133{n:04d}", f"Product {n}", 1 + n % 5),),
            weight_kg=Decimal("9.5"),
        )
        for n in range(150)
    ]
    packing = PackingList(
        shipment_code="SHP-LONG",
        ship_from=sample_document("packing_list").ship_from,
        ship_to=sample_document("packing_list").ship_to,
        fc_code="DTM2",
        po_numbers=("PO1",),
        cartons=tuple(many),
    )
    pdf = render_packing_list(default_template("packing_list"), packing, page_size)
    texts = page_text(pdf)
    assert len(texts) >= 3
    whole = "\n".join(texts)
    for carton in many:
        assert whole.count(carton.sscc) == 1, carton.sscc
    # The table's header row is repeated on the pages it continues on.
    assert sum("Carton SSCC" in t for t in texts) >= 2
    assert f"SHP-LONG · page {len(texts)} of {len(texts)}" in texts[-1]
