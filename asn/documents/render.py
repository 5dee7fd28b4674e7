"""Rendering shop templates to PDF: labels (4x6 in or A4) and the packing list.

Pipeline per document: the sandboxed Django engine renders the shop's template with plain
data (`data.py`) into the document markup, which the engine (`engine/`) parses, styles,
lays out and draws with reportlab. Every problem becomes a `DocumentError` whose messages
are written for the shop admin who edits the template.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.template import Context, TemplateSyntaxError
from django.template.base import Template
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from asn.gs1 import InvalidSSCC, normalise_sscc

from . import samples
from .budget import Budget, BudgetExceeded, metered, render_within
from .data import CartonLabel, PackingList, PalletLabel
from .engine import (
    MM,
    Block,
    LayoutError,
    Style,
    build_children,
    fit_label,
    paginate,
    parse,
    register_fonts,
    style_tree,
    stylesheet_for,
)
from .sandbox import ALLOWED_TAGS, make_engine

KINDS = ("carton_label", "pallet_label", "packing_list")
LABEL_KINDS = ("carton_label", "pallet_label")
PAGE_SIZES = ("4x6", "A4")
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "asn" / "documents"

INCH = 72.0
LABEL_4X6 = (4 * INCH, 6 * INCH)
# A4 label sheets with four A6 labels (2 x 2, 105 x 148.5 mm each), the common European
# sheet for shipping labels. A template that fits 4x6 in (101.6 x 152.4 mm) fits A6 when its
# content stays below 140 mm: the validation checks both.
A4_CELL = (A4[0] / 2, A4[1] / 2)
LABEL_MARGIN = 4 * MM
PACKING_MARGIN = {"A4": 15 * MM, "4x6": 5 * MM}
BASE_FONT_SIZE = 9.0

_ENGINE = make_engine()
_STRICT_ENGINE = make_engine(string_if_invalid="\x00UNKNOWN:%s\x00")


class DocumentError(ValueError):
    """A template or document that cannot be rendered; `messages` are for the shop admin."""

    def __init__(self, messages: Sequence[str]):
        self.messages = list(dict.fromkeys(messages))  # unique, in order
        super().__init__("\n".join(self.messages))


# --- Templates ----------------------------------------------------------------------------


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"Unknown document kind {kind!r}; use one of {', '.join(KINDS)}.")


def _check_page_size(page_size: str) -> None:
    if page_size not in PAGE_SIZES:
        raise ValueError(f"Unknown page size {page_size!r}; use one of {', '.join(PAGE_SIZES)}.")


@cache
def default_template(kind: str) -> str:
    """The built-in template of `kind` (templates/asn/documents/<kind>.html)."""
    _check_kind(kind)
    return (TEMPLATE_DIR / f"{kind}.html").read_text(encoding="utf-8")


def _syntax_message(error: Exception) -> str:
    message = str(error)
    info = getattr(error, "template_debug", None)
    prefix = f"Template line {info['line']}: " if info else "Template: "
    if "Invalid block tag" in message:
        message = re.sub(r"\s*Did you forget to register or load this tag\?", "", message)
        message += (
            " Document templates cannot include, extend or load other templates or tag "
            f"libraries; the tags available are {', '.join(ALLOWED_TAGS)}."
        )
    near = ""
    if info and info.get("during"):
        near = f" (at {info['during'].strip()[:80]})"
    return f"{prefix}{message}{near}"


@lru_cache(maxsize=32)
def _compile(source: str, strict: bool = False) -> Template:
    engine = _STRICT_ENGINE if strict else _ENGINE
    try:
        return metered(engine.from_string(source))
    except TemplateSyntaxError as error:
        raise DocumentError([_syntax_message(error)]) from None
    except RecursionError:  # thousands of nested {% if %}: the parser recurses per level
        raise DocumentError(["Template: its tags are nested too deeply."]) from None


def _fill(template: Template, context: dict[str, Any]) -> str:
    """The template's markup for one document, within a fresh render budget."""
    try:
        return render_within(template, Context(context, autoescape=True), Budget())
    except DocumentError:
        raise
    except BudgetExceeded as error:
        raise DocumentError([str(error)]) from None
    except RecursionError:
        raise DocumentError(["Template: its tags are nested too deeply."]) from None
    except Exception as error:  # a filter or tag failing on the data: report, don't crash
        info = getattr(error, "template_debug", None)
        where = f"Template line {info['line']}: " if info else "Template: "
        raise DocumentError([f"{where}{type(error).__name__}: {error}"]) from None


def _blocks(markup: str, default_margin: float) -> tuple[list[Block], list[float], list[str]]:
    root, css, errors = parse(markup)
    sheet = stylesheet_for(css)
    margins = sheet.page_margins(default_margin)
    errors = [*errors, *sheet.errors]
    base = Style()
    base.font_size = BASE_FONT_SIZE
    style_tree(root, sheet, base, errors)
    blocks = build_children(root, errors)
    return blocks, margins, errors


# --- Labels -------------------------------------------------------------------------------


class _LabelSheet:
    """Places labels on pages: one per 4x6 page, four per A4 page (left to right, top down)."""

    def __init__(self, canv: Canvas, page_size: str) -> None:
        self.canv = canv
        if page_size == "4x6":
            self.cells = [(0.0, LABEL_4X6[1], *LABEL_4X6)]
        else:
            w, h = A4_CELL
            self.cells = [(0.0, A4[1], w, h), (w, A4[1], w, h), (0.0, h, w, h), (w, h, w, h)]
        self.used = 0
        self.pages = 0

    def next_cell(self) -> tuple[float, float, float, float]:
        """(left, top, width, height) of the next label's place, on a new page if need be."""
        if self.used == len(self.cells):
            self.canv.showPage()
            self.used = 0
        if self.used == 0:
            self.pages += 1
        cell = self.cells[self.used]
        self.used += 1
        return cell

    def new_page(self) -> None:
        if self.used:
            self.canv.showPage()
            self.used = 0

    def finish(self) -> None:
        self.new_page()


def _label_name(kind: str, label: CartonLabel | PalletLabel, number: int) -> str:
    noun = "Carton label" if kind == "carton_label" else "Pallet label"
    return f"{noun} {number} (SSCC {label.sscc})"


def _draw_labels(
    sheet: _LabelSheet,
    kind: str,
    source: str,
    labels: Sequence[CartonLabel | PalletLabel],
    page_size: str,
    copies: int = 1,
) -> None:
    template = _compile(source)
    for number, label in enumerate(labels, start=1):
        try:
            sscc = normalise_sscc(label.sscc)
        except InvalidSSCC as error:
            raise DocumentError([f"{_label_name(kind, label, number)}: {error}"]) from None
        markup = _fill(template, {"label": label, "page_size": page_size, "kind": kind})
        blocks, margins, errors = _blocks(markup, LABEL_MARGIN)
        if not any(b.sscc == sscc for block in blocks for b in block.barcodes()):
            errors.append(
                "The template prints no barcode for the label's SSCC; it needs "
                '<barcode sscc="{{ label.sscc }}">.'
            )
        if errors:
            raise DocumentError([f"{_label_name(kind, label, number)}: {e}" for e in errors])
        for _copy in range(copies):
            x, top, width, height = sheet.next_cell()
            inner_width = width - margins[1] - margins[3]
            inner_height = height - margins[0] - margins[2]
            try:
                placed = fit_label(blocks, inner_width, inner_height)
            except LayoutError as error:
                size = "4x6 in label" if page_size == "4x6" else "A6 quarter of the A4 sheet"
                raise DocumentError(
                    [f"{_label_name(kind, label, number)} on the {size}: {error}"]
                ) from None
            for block, offset in placed:
                block.draw(sheet.canv, x + margins[3], top - margins[0] - offset, inner_width)


def _canvas(page_size: str, title: str) -> tuple[Canvas, io.BytesIO]:
    register_fonts()
    buffer = io.BytesIO()
    size = LABEL_4X6 if page_size == "4x6" else A4
    canv = Canvas(buffer, pagesize=size, pageCompression=1, invariant=1)
    canv.setTitle(title)
    canv.setCreator("ShopCtrl")
    return canv, buffer


def render_carton_labels(
    template_source: str, labels: Sequence[CartonLabel], page_size: str = "4x6"
) -> bytes:
    """One PDF with a label per carton, in the order given."""
    return render_shipment_labels(template_source, labels, "", (), page_size)


def render_pallet_labels(
    template_source: str, labels: Sequence[PalletLabel], page_size: str = "4x6", copies: int = 1
) -> bytes:
    """One PDF with `copies` consecutive labels per pallet (GS1 recommends one on each of two
    adjacent sides; 1 by default)."""
    return render_shipment_labels("", (), template_source, labels, page_size, copies)


def render_shipment_labels(
    carton_template: str,
    cartons: Sequence[CartonLabel],
    pallet_template: str,
    pallets: Sequence[PalletLabel],
    page_size: str = "4x6",
    pallet_copies: int = 1,
) -> bytes:
    """One PDF: the carton labels, then the pallet labels (starting on a new page)."""
    _check_page_size(page_size)
    if not 1 <= pallet_copies <= 4:
        raise ValueError("pallet_copies is 1 to 4.")
    canv, buffer = _canvas(page_size, "Shipment labels")
    sheet = _LabelSheet(canv, page_size)
    if cartons:
        _draw_labels(sheet, "carton_label", carton_template, cartons, page_size)
    if pallets:
        sheet.new_page()
        _draw_labels(sheet, "pallet_label", pallet_template, pallets, page_size, pallet_copies)
    if not cartons and not pallets:
        sheet.next_cell()  # an empty but valid PDF: one blank page
    sheet.finish()
    canv.save()
    return buffer.getvalue()


# --- Packing list -------------------------------------------------------------------------


def render_packing_list(
    template_source: str, packing_list: PackingList, page_size: str = "A4"
) -> bytes:
    """The packing list, over as many pages as it needs, with "Page n of N" at the bottom."""
    return render_document(
        template_source,
        {"packing_list": packing_list},
        title=f"Packing list {packing_list.shipment_code}",
        footer=packing_list.shipment_code,
        page_size=page_size,
        errors_as="Packing list",
    )


def render_document(
    template_source: str,
    context: dict,
    *,
    title: str,
    footer: str,
    page_size: str = "A4",
    errors_as: str | None = None,
) -> bytes:
    """Any paged document (a packing list, an invoice) from a template and its data: as many
    pages as it needs, "`footer` · page n of N" at the bottom. Errors name the document as
    `errors_as` (default: its title)."""
    _check_page_size(page_size)
    register_fonts()
    template = _compile(template_source)
    markup = _fill(template, {**context, "page_size": page_size})
    blocks, margins, errors = _blocks(markup, PACKING_MARGIN[page_size])
    if errors:
        raise DocumentError([f"{errors_as or title}: {e}" for e in errors])
    size = LABEL_4X6 if page_size == "4x6" else A4
    inner_width = size[0] - margins[1] - margins[3]
    inner_height = size[1] - margins[0] - margins[2]
    try:
        pages = paginate(blocks, inner_width, inner_height)
    except LayoutError as error:
        raise DocumentError([f"{errors_as or title}: {error}"]) from None
    canv, buffer = _canvas(page_size, title)
    total = max(len(pages), 1)
    for number, page in enumerate(pages or [[]], start=1):
        y = size[1] - margins[0]
        for block in page:
            block.draw(canv, margins[3], y, inner_width)
            y -= block.height
        if margins[2] >= 7:
            canv.setFont("DocSans", 7)
            canv.setFillColorRGB(0.3, 0.3, 0.3)
            canv.drawRightString(
                size[0] - margins[1], margins[2] / 2 - 2, f"{footer} · page {number} of {total}"
            )
        canv.showPage()
    canv.save()
    return buffer.getvalue()


# --- Previews and validation --------------------------------------------------------------


def sample_document(kind: str) -> CartonLabel | PalletLabel | PackingList:
    """The data a preview of `kind` shows (long addresses, several POs and products)."""
    _check_kind(kind)
    if kind == "carton_label":
        return samples.sample_carton_label()
    if kind == "pallet_label":
        return samples.sample_pallet_label()
    return samples.sample_packing_list()


def render_preview(kind: str, template_source: str, page_size: str = "4x6") -> bytes:
    """The template filled with `sample_document(kind)`; DocumentError when it is broken."""
    document = sample_document(kind)
    if isinstance(document, CartonLabel):
        return render_carton_labels(template_source, [document], page_size)
    if isinstance(document, PalletLabel):
        return render_pallet_labels(template_source, [document], page_size)
    return render_packing_list(template_source, document, page_size)


_UNKNOWN = re.compile(r"\x00UNKNOWN:(.*?)\x00")


def template_errors(kind: str, source: str) -> list[str]:
    """Readable problems of a template, found by rendering it with sample data on every
    page size; an empty list means the template is fine."""
    _check_kind(kind)
    if not source.strip():
        return ["The template is empty."]
    try:
        strict = _compile(source, strict=True)
    except DocumentError as error:
        return error.messages
    document = sample_document(kind)
    context_name = "packing_list" if kind == "packing_list" else "label"
    errors: list[str] = []
    try:
        markup = _fill(strict, {context_name: document, "page_size": "4x6", "kind": kind})
    except DocumentError as error:
        return error.messages
    for name in dict.fromkeys(_UNKNOWN.findall(markup)):
        errors.append(
            f"Template: {{{{ {name} }}}} is not a known field (check the spelling; see the "
            "default template for the fields there are)."
        )
    for page_size in PAGE_SIZES:
        try:
            render_preview(kind, source, page_size)
        except DocumentError as error:
            errors.extend(error.messages)
    if not errors:
        errors.extend(_worst_case_errors(kind, source))
    return list(dict.fromkeys(errors))


def _worst_case_errors(kind: str, source: str) -> list[str]:
    """Problems of the template with the largest data there can be (samples.worst_*): it
    must render within its budget, produce well-nested markup and, on a label, print the
    barcode of that label's own SSCC (not a number copied from the preview)."""
    document = samples.worst_document(kind)
    context_name = "packing_list" if kind == "packing_list" else "label"
    prefix = f"With the largest data ({samples.WORST_DESCRIPTION[kind]}): "
    try:
        markup = _fill(_compile(source), {context_name: document, "page_size": "A4", "kind": kind})
    except DocumentError as error:
        return [prefix + message for message in error.messages]
    if isinstance(document, PackingList):  # 1,000 cartons: parsing shows the nesting
        _root, _css, problems = parse(markup)
        return [prefix + message for message in problems]
    blocks, _margins, problems = _blocks(markup, LABEL_MARGIN)
    sscc = normalise_sscc(document.sscc)
    if not any(b.sscc == sscc for block in blocks for b in block.barcodes()):
        problems.append(
            "the barcode does not print the label's own SSCC; use "
            '<barcode sscc="{{ label.sscc }}">.'
        )
    return [prefix + message for message in problems]
