"""From the styled tree to boxes, and boxes onto labels and pages."""

from __future__ import annotations

from collections.abc import Iterable

from .barcode import BarcodeBox
from .boxes import Block, ContainerBox, HrBox, LayoutError
from .markup import BLOCK_TAGS, INLINE_TAGS, Node
from .style import MM, Style
from .tables import Cell, Row, TableBox
from .text import TextBox

# --- Building boxes from the tree ---------------------------------------------------------


def _has_content(nodes: Iterable[Node | str]) -> bool:
    for node in nodes:
        if isinstance(node, str):
            if node.strip():
                return True
        elif node.tag == "br" or _has_content(node.children):
            return True
    return False


_ANONYMOUS: dict[int, tuple[Style, Style]] = {}


def _anonymous_style(style: Style) -> Style:
    """The style of text directly inside a block: inherited properties only. Cached per
    parent style (kept alive in the entry), so equal texts share one style object."""
    entry = _ANONYMOUS.get(id(style))
    if entry is None or entry[0] is not style:
        if len(_ANONYMOUS) > 10_000:
            _ANONYMOUS.clear()
        entry = _ANONYMOUS[id(style)] = (style, style.inherit())
    return entry[1]


def build_children(node: Node, errors: list[str]) -> list[Block]:
    blocks: list[Block] = []
    run: list[Node | str] = []

    def flush() -> None:
        if run and _has_content(run):
            blocks.append(TextBox(_anonymous_style(node.style), list(run), errors))
        run.clear()

    for child in node.children:
        if isinstance(child, str):
            run.append(child)
        elif child.style.display_none:
            continue
        elif child.tag in INLINE_TAGS:
            run.append(child)
        else:
            flush()
            block = build_block(child, errors)
            if block is not None:
                blocks.append(block)
    flush()
    return blocks


def _is_inline_only(node: Node) -> bool:
    return all(isinstance(c, str) or c.tag in INLINE_TAGS for c in node.children)


def build_block(node: Node, errors: list[str]) -> Block | None:
    tag = node.tag
    if tag in BLOCK_TAGS:
        if _is_inline_only(node):
            return TextBox(node.style, node.children, errors)
        return ContainerBox(node.style, build_children(node, errors))
    if tag == "table":
        return _build_table(node, errors)
    if tag == "hr":
        return HrBox(node.style)
    if tag == "barcode":
        return BarcodeBox(node.style, node, errors)
    if tag in ("tr", "td", "th", "thead", "tbody", "tfoot"):
        errors.append(f"{node.describe()} must be inside a <table>.")
        return None
    errors.append(f"{node.describe()} is not supported here.")
    return None


def _build_table(node: Node, errors: list[str]) -> TableBox | None:
    rows: list[Row] = []

    def add_row(tr: Node, header: bool) -> None:
        cells = []
        for child in tr.children:
            if isinstance(child, str):
                if child.strip():
                    errors.append(f"Text {child.strip()[:30]!r} inside <tr> must be in <td>.")
                continue
            if child.tag not in ("td", "th"):
                errors.append(f"{child.describe()} inside <tr> must be in a <td> or <th>.")
                continue
            if "rowspan" in child.attrs and child.attrs["rowspan"].strip() not in ("", "1"):
                errors.append("rowspan is not supported; use a nested table instead.")
            try:
                colspan = int(child.attrs.get("colspan", "1") or 1)
                if not 1 <= colspan <= 50:
                    raise ValueError
            except ValueError:
                errors.append(f'colspan="{child.attrs.get("colspan")}" is not a number 1-50.')
                colspan = 1
            if child.style.display_none:
                continue
            cells.append(Cell(child.style, build_children(child, errors), colspan))
        if cells:
            rows.append(Row(cells, header))

    for child in node.children:
        if isinstance(child, str):
            if child.strip():
                errors.append(f"Text {child.strip()[:30]!r} inside <table> must be in <td>.")
            continue
        if child.tag == "tr":
            add_row(child, header=False)
        elif child.tag in ("thead", "tbody", "tfoot"):
            for tr in child.children:
                if isinstance(tr, Node) and tr.tag == "tr":
                    add_row(tr, header=child.tag == "thead")
                elif isinstance(tr, Node) or tr.strip():
                    errors.append(f"<{child.tag}> may contain only <tr> rows.")
        else:
            errors.append(f"{child.describe()} inside <table> must be in a <tr> and <td>.")
    if not rows:
        return None
    return TableBox(node.style, rows)


# --- Pages --------------------------------------------------------------------------------


def fit_label(blocks: list[Block], width: float, height: float) -> list[tuple[Block, float]]:
    """Blocks with their top offset on one label; LayoutError when they do not fit."""
    heights = [block.measure(width) for block in blocks]
    total = sum(heights)
    if total > height + 0.01:
        raise LayoutError(
            f"the content is {total / MM:.1f} mm tall, but the label has room for "
            f"{height / MM:.1f} mm: {(total - height) / MM:.1f} mm too much. Shorten the "
            "template (fewer lines, smaller fonts or padding) or limit long lists."
        )
    autos = [i for i, block in enumerate(blocks) if block.style.margin_top_auto]
    slack = (height - total) / len(autos) if autos else 0.0
    placed, y = [], 0.0
    for index, block in enumerate(blocks):
        if index in autos:
            y += slack
        placed.append((block, y))
        y += heights[index]
    for block in blocks:
        _check_widths(block, width)
    return placed


def _check_widths(block: Block, width: float) -> None:
    for barcode in block.barcodes():
        if barcode._width is not None:
            left, right, _, _ = barcode._edges()
            room = barcode._width - left - right
            if barcode.symbol_width > room + 0.5:
                raise LayoutError(
                    f"the barcode needs {barcode.symbol_width / MM:.1f} mm across (quiet zones "
                    f"included) but has {room / MM:.1f} mm; give it the full label width "
                    "(no padding or narrow table cell around it)."
                )


def paginate(blocks: list[Block], width: float, height: float) -> list[list[Block]]:
    """Spread blocks over pages, splitting text and tables where they cross a page end."""
    pages: list[list[Block]] = [[]]
    used = 0.0
    queue = list(blocks)
    while queue:
        block = queue.pop(0)
        if block.style.page_break_before and pages[-1]:
            pages.append([])
            used = 0.0
        block_height = block.measure(width)
        if used + block_height <= height + 0.01:
            pages[-1].append(block)
            used += block_height
            continue
        part: Block | None = None
        rest: Block | None = block
        if block.splittable:
            part, rest = block.split(width, height - used)
        if part is not None:
            pages[-1].append(part)
            if rest is not None:
                queue.insert(0, rest)
            pages.append([])
            used = 0.0
            continue
        if pages[-1]:
            pages.append([])
            used = 0.0
            queue.insert(0, block)
            continue
        raise LayoutError(
            f"a block is {block_height / MM:.0f} mm tall, taller than a page "
            f"({height / MM:.0f} mm), and cannot be split; remove page-break-inside: avoid "
            "or a fixed height."
        )
    for page in pages:
        for block in page:
            _check_widths(block, width)
    return [page for page in pages if page]
