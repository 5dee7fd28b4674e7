"""Lays the styled markup tree out as boxes and draws them on a reportlab canvas.

A deliberately small layout engine: blocks stack top to bottom, text wraps at spaces,
tables size their columns from widths given in CSS or from their content, and the
packing list breaks across pages between lines of text and between table rows (repeating
the <thead> rows). It draws straight on reportlab's canvas, which is several times faster
than reportlab's own flowables (platypus), and it is what makes 1,000 labels a few seconds.

Heights and widths are in PDF points (1/72 in). `height` in CSS is the height of the border
box (as with `box-sizing: border-box`), and vertical margins do not collapse.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from asn.gs1 import InvalidSSCC, gs1_128_data, normalise_sscc, sscc_hri

from .markup import BLOCK_TAGS, INLINE_TAGS, MM, Node, Style, parse_length

FONT_DIR = Path(__file__).resolve().parent / "fonts"
_FONT_FILES = {
    "DocSans": "DejaVuSans.ttf",
    "DocSans-Bold": "DejaVuSans-Bold.ttf",
    "DocSans-Oblique": "DejaVuSans-Oblique.ttf",
    "DocMono": "DejaVuSansMono.ttf",
    "DocMono-Bold": "DejaVuSansMono-Bold.ttf",
}
_fonts_lock = threading.Lock()
_fonts_ready = False

# GS1 logistic label barcode: X-dimension (narrowest bar) and bar height. GS1 General
# Specifications, symbol specification table for logistic units: X from 0.495 mm to
# 1.016 mm, bar height at least 31.75 mm. 0.508 mm (0.020 in) is exactly 4 dots of a
# 203 dpi and 6 dots of a 300 dpi thermal printer, so printers reproduce it without rounding.
BARCODE_MODULE_MM = 0.508
BARCODE_MODULE_MIN_MM = 0.495
BARCODE_MODULE_MAX_MM = 1.016
BARCODE_HEIGHT_MM = 32.0
BARCODE_HEIGHT_MIN_MM = 31.75
QUIET_ZONE_MODULES = 10  # each side, as Code 128 requires


def register_fonts() -> None:
    """Register the bundled DejaVu fonts with reportlab once per process."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if not _fonts_ready:
            for name, filename in _FONT_FILES.items():
                pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
            _fonts_ready = True


def font_name(style: Style) -> str:
    if style.font_family == "mono":
        return "DocMono-Bold" if style.bold else "DocMono"
    if style.bold:
        return "DocSans-Bold"  # no bold oblique bundled: bold wins
    return "DocSans-Oblique" if style.italic else "DocSans"


_WIDTHS: dict[tuple[str, str], float] = {}
_FONT_OBJECTS: dict[str, object] = {}


def _font_object(name: str):
    font = _FONT_OBJECTS.get(name)
    if font is None:
        font = _FONT_OBJECTS[name] = pdfmetrics.getFont(name)
    return font


_ASCENT: dict[str, tuple[float, float]] = {}


def text_width(text: str, font: str, size: float) -> float:
    key = (font, text)
    width = _WIDTHS.get(key)
    if width is None:
        if len(_WIDTHS) > 200_000:
            _WIDTHS.clear()
        width = _WIDTHS[key] = pdfmetrics.stringWidth(text, font, 1.0)
    return width * size


def ascent_descent(font: str) -> tuple[float, float]:
    metrics = _ASCENT.get(font)
    if metrics is None:
        ascent, descent = pdfmetrics.getAscentDescent(font, 1.0)
        metrics = _ASCENT[font] = (ascent, descent)
    return metrics


class LayoutError(ValueError):
    pass


# --- Blocks -------------------------------------------------------------------------------


class Block:
    """A box with margin, border, padding and background; subclasses lay out the content."""

    splittable = False

    def __init__(self, style: Style):
        self.style = style
        self._width: float | None = None
        self.height = 0.0  # outer height (margins included) for `_width`
        self.border_height = 0.0

    # Horizontal space taken by margins, borders and padding, and the vertical ones.
    def _edges(self):
        s = self.style
        edges = s.edges
        if edges is None:
            b = s.border
            left = s.margin[3] + (b[3][0] if b[3] else 0) + s.padding[3]
            right = s.margin[1] + (b[1][0] if b[1] else 0) + s.padding[1]
            top = (b[0][0] if b[0] else 0) + s.padding[0]
            bottom = (b[2][0] if b[2] else 0) + s.padding[2]
            edges = s.edges = (left, right, top, bottom)
        return edges

    def measure(self, width: float) -> float:
        if self._width == width:
            return self.height
        left, right, top, bottom = self._edges()
        content = self.content_height(max(width - left - right, 1.0))
        self.border_height = max(top + content + bottom, self.style.height)
        self.height = self.style.margin[0] + self.border_height + self.style.margin[2]
        self._width = width
        return self.height

    def natural_width(self) -> float:
        left, right, _, _ = self._edges()
        return left + right + self.content_natural_width()

    def min_width(self) -> float:
        """The narrowest width without overflowing: the longest word (CSS min-content)."""
        left, right, _, _ = self._edges()
        if self.style.width is not None and self.style.width[0] == "pt":
            return self.style.width[1]
        return left + right + self.content_min_width()

    def content_min_width(self) -> float:
        return self.content_natural_width()

    def content_height(self, width: float) -> float:
        return 0.0

    def content_natural_width(self) -> float:
        return 0.0

    def draw(self, canv, x: float, top: float, width: float) -> None:
        """Draw with the margin box's top-left corner at (x, top), PDF coordinates."""
        self.measure(width)
        s = self.style
        bx = x + s.margin[3]
        btop = top - s.margin[0]
        bwidth = width - s.margin[1] - s.margin[3]
        bheight = self.border_height
        if s.background is not None:
            canv.setFillColorRGB(*s.background)
            canv.rect(bx, btop - bheight, bwidth, bheight, stroke=0, fill=1)
        _draw_borders(canv, s.border, bx, btop, bwidth, bheight)
        left, right, top_edge, bottom_edge = self._edges()
        inner_width = width - left - right
        inner_height = bheight - top_edge - bottom_edge
        cx = x + left
        ctop = btop - top_edge
        self.draw_content(canv, cx, ctop, max(inner_width, 1.0), inner_height)

    def draw_content(self, canv, x, top, width, height) -> None:
        pass

    def split(self, width: float, available: float):
        """(part that fits in `available`, rest) or (None, self) when nothing fits."""
        return None, self

    def barcodes(self):
        return []


def _draw_borders(canv, borders, x, top, width, height):
    if not any(borders):
        return
    bottom = top - height
    right = x + width
    lines = (
        (borders[0], x, top, right, top),
        (borders[1], right, top, right, bottom),
        (borders[2], x, bottom, right, bottom),
        (borders[3], x, top, x, bottom),
    )
    for border, x1, y1, x2, y2 in lines:
        if not border:
            continue
        line_width, color, kind = border
        canv.setStrokeColorRGB(*color)
        canv.setLineWidth(line_width)
        if kind == "dashed":
            canv.setDash(3 * line_width, 2 * line_width)
        elif kind == "dotted":
            canv.setDash(line_width, line_width)
        # Inset by half the line width so the line stays inside the box.
        half = line_width / 2
        if y1 == y2:
            y = y1 - half if y1 == top else y1 + half
            canv.line(x1, y, x2, y)
        else:
            xx = x1 - half if x1 == right else x1 + half
            canv.line(xx, y1, xx, y2)
        if kind != "solid":
            canv.setDash()


# --- Text ---------------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\r\n\f]+")
_WORDS = re.compile(r"[ \t\r\n\f]+|[^ \t\r\n\f]+")
BR = object()


class _Token:
    __slots__ = ("parts", "space", "width")

    def __init__(self, space: bool, parts: list):
        self.space = space
        self.parts = parts  # [[text, fkey], ...]; fkey = (font, size, color, underline)
        self.width = 0.0


def _fkey(style: Style):
    return (font_name(style), style.font_size, style.color, style.underline)


class _InlineCollector:
    def __init__(self, errors: list[str]):
        self.tokens: list = []
        self.space = False
        self.glue = False
        self.errors = errors

    def walk(self, nodes, style: Style):
        for node in nodes:
            if isinstance(node, str):
                self.text(node, style)
            elif node.tag == "br":
                self.tokens.append(BR)
                self.space = self.glue = False
            elif node.style.display_none:
                continue
            elif node.tag in INLINE_TAGS:
                self.walk(node.children, node.style)
            else:
                parent = node.parent.describe() if node.parent else "text"
                self.errors.append(
                    f"{node.describe()} cannot be inside {parent}: put blocks (div, p, table, "
                    "barcode, ...) next to inline elements (span, b, i, ...), not inside them."
                )

    def text(self, text: str, style: Style):
        if style.transform == "uppercase":
            text = text.upper()
        elif style.transform == "lowercase":
            text = text.lower()
        if style.nowrap:
            text = _SPACES.sub("\xa0", text)
        fkey = _fkey(style)
        for match in _WORDS.finditer(text):
            piece = match.group()
            if piece[0] in " \t\r\n\f":
                self.space = True
                self.glue = False
                continue
            if self.glue and self.tokens and self.tokens[-1] is not BR:
                self.tokens[-1].parts.append([piece, fkey])
            else:
                self.tokens.append(_Token(self.space, [[piece, fkey]]))
            self.space = False
            self.glue = True


def _token_width(token: _Token) -> float:
    width = 0.0
    for text, fkey in token.parts:
        width += text_width(text, fkey[0], fkey[1])
    token.width = width
    return width


def _split_long(token: _Token, width: float) -> list[_Token]:
    """Break a word wider than the line into pieces that fit (long numbers in narrow cells)."""
    chars = [(char, fkey) for text, fkey in token.parts for char in text]
    pieces, current, used = [], [], 0.0
    for char, fkey in chars:
        char_width = text_width(char, fkey[0], fkey[1])
        if current and used + char_width > width:
            pieces.append(current)
            current, used = [], 0.0
        current.append([char, fkey])
        used += char_width
    if current:
        pieces.append(current)
    tokens = []
    for index, piece in enumerate(pieces):
        merged: list = []
        for char, fkey in piece:
            if merged and merged[-1][1] == fkey:
                merged[-1][0] += char
            else:
                merged.append([char, fkey])
        new = _Token(token.space if index == 0 else False, merged)
        _token_width(new)
        tokens.append(new)
    return tokens


class TextBox(Block):
    splittable = True

    def __init__(self, style: Style, nodes, errors: list[str], tokens=None):
        super().__init__(style)
        if tokens is None:
            collector = _InlineCollector(errors)
            collector.walk(nodes, style)
            tokens = collector.tokens
            while tokens and tokens[-1] is BR:  # a trailing <br> adds no line in HTML
                tokens.pop()
        self.tokens = tokens
        self.lines: list = []
        self.line_tokens: list = []
        self._lines_width: float | None = None

    def is_empty(self) -> bool:
        return not self.tokens

    def _layout(self, width: float):
        if self._lines_width == width:
            return self.lines
        style = self.style
        lines, current, used = [], [], 0.0
        for token in self.tokens:
            if token is BR:
                lines.append(current)
                current, used = [], 0.0
                continue
            token_width = token.width or _token_width(token)
            space = 0.0
            if current and token.space:
                fkey = token.parts[0][1]
                space = text_width(" ", fkey[0], fkey[1])
            if current and used + space + token_width > width + 0.01 and not style.nowrap:
                lines.append(current)
                current, used, space = [], 0.0, 0.0
            if not current and token_width > width + 0.01 and not style.nowrap:
                pieces = _split_long(token, width)
                for piece in pieces[:-1]:
                    lines.append([(False, piece)])
                token = pieces[-1]
                token_width = token.width
            current.append((space > 0, token))
            used += space + token_width
        lines.append(current)
        self.line_tokens = lines
        self.lines = [self._line(line) for line in lines]
        self._lines_width = width
        return self.lines

    def _line(self, tokens):
        """(width, height, baseline offset from the line top, segments[(x, text, fkey)])."""
        segments: list[list] = []
        x = 0.0
        max_size = 0.0
        font_for_metrics = None
        for space, token in tokens:
            if space:
                fkey = token.parts[0][1]
                if segments and segments[-1][2] == fkey:
                    segments[-1][1] += " "
                else:
                    segments.append([x, " ", fkey])
                x += text_width(" ", fkey[0], fkey[1])
            for text, fkey in token.parts:
                if segments and segments[-1][2] == fkey:
                    segments[-1][1] += text
                else:
                    segments.append([x, text, fkey])
                x += text_width(text, fkey[0], fkey[1])
                if fkey[1] > max_size:
                    max_size = fkey[1]
                    font_for_metrics = fkey[0]
        if not segments:
            max_size = self.style.font_size
            font_for_metrics = font_name(self.style)
        ascent, descent = ascent_descent(font_for_metrics)
        height = max_size * self.style.line_height
        baseline = (height - (ascent - descent) * max_size) / 2 + ascent * max_size
        return (x, height, baseline, segments)

    def content_height(self, width: float) -> float:
        if not self.tokens:
            return 0.0
        return sum(line[1] for line in self._layout(width))

    def content_natural_width(self) -> float:
        widest = used = 0.0
        first = True
        for token in self.tokens:
            if token is BR:
                widest, used, first = max(widest, used), 0.0, True
                continue
            if token.space and not first:
                fkey = token.parts[0][1]
                used += text_width(" ", fkey[0], fkey[1])
            used += token.width or _token_width(token)
            first = False
        return max(widest, used)

    def content_min_width(self) -> float:
        if self.style.nowrap:
            return self.content_natural_width()
        return max(
            (token.width or _token_width(token) for token in self.tokens if token is not BR),
            default=0.0,
        )

    def draw_content(self, canv, x, top, width, height):
        if not self.tokens:
            return
        align = self.style.text_align
        y = top
        # The PDF text operators are written directly (what reportlab's text object writes,
        # without its per-call overhead): one BT/ET for the whole block.
        doc = canv._doc
        escape = canv._escape
        out = ["BT"]
        current_color = None
        underlines = []
        for line_width, line_height, baseline, segments in self._layout(width):
            offset = 0.0
            if align == "center":
                offset = (width - line_width) / 2
            elif align == "right":
                offset = width - line_width
            base_y = y - baseline
            for seg_x, piece, (font, size, color, underline) in segments:
                if color != current_color:
                    out.append("{:.3f} {:.3f} {:.3f} rg".format(*color))
                    current_color = color
                start = x + offset + seg_x
                out.append(f"1 0 0 1 {start:.2f} {base_y:.2f} Tm")
                font_object = _font_object(font)
                for subset, encoded in font_object.splitString(piece, doc):
                    name = font_object.getSubsetInternalName(subset, doc)
                    out.append(f"{name} {size:g} Tf ({escape(encoded)}) Tj")
                if underline and piece.strip():
                    end = start + text_width(piece, font, size)
                    underlines.append(
                        (start, end, base_y - size * 0.12, max(size / 16, 0.4), color)
                    )
            y -= line_height
        out.append("ET")
        canv._code.append("\n".join(out))
        for start, end, line_y, line_width, color in underlines:
            canv.setStrokeColorRGB(*color)
            canv.setLineWidth(line_width)
            canv.line(start, line_y, end, line_y)

    def split(self, width, available):
        left, right, top, bottom = self._edges()
        lines = self._layout(max(width - left - right, 1.0))
        room = available - self.style.margin[0] - top - bottom
        used, count = 0.0, 0
        for line in lines:
            if used + line[1] > room:
                break
            used += line[1]
            count += 1
        if count == len(lines):
            return self, None
        if count == 0:
            return None, self
        # The same tokens, with a forced break where each laid-out line ended, lay out
        # into the same lines again.
        halves: tuple[list, list] = ([], [])
        for index, line_tokens in enumerate(self.line_tokens):
            target = halves[0] if index < count else halves[1]
            if target:
                target.append(BR)
            target.extend(token for _, token in line_tokens)
        head = TextBox(self.style, (), [], tokens=halves[0])
        tail = TextBox(self.style, (), [], tokens=halves[1])
        return head, tail


# --- Containers ---------------------------------------------------------------------------


class ContainerBox(Block):
    splittable = True

    def __init__(self, style: Style, children: list[Block]):
        super().__init__(style)
        self.children = children

    def content_height(self, width):
        return sum(child.measure(width) for child in self.children)

    def content_natural_width(self):
        return max((child.natural_width() for child in self.children), default=0.0)

    def content_min_width(self):
        return max((child.min_width() for child in self.children), default=0.0)

    def draw_content(self, canv, x, top, width, height):
        y = top
        for child in self.children:
            child.draw(canv, x, y, width)
            y -= child.height

    def split(self, width, available):
        if self.style.page_break_inside_avoid:
            return None, self
        left, right, top, bottom = self._edges()
        inner = max(width - left - right, 1.0)
        room = available - self.style.margin[0] - top - bottom
        used = 0.0
        for index, child in enumerate(self.children):
            height = child.measure(inner)
            if used + height <= room:
                used += height
                continue
            head_children = self.children[:index]
            tail_children = self.children[index:]
            if child.splittable:
                part, rest = child.split(inner, room - used)
                if part is not None:
                    head_children = [*head_children, part]
                    tail_children = [rest, *self.children[index + 1 :]]
            if not head_children:
                return None, self
            return ContainerBox(self.style, head_children), ContainerBox(self.style, tail_children)
        return self, None

    def barcodes(self):
        return [b for child in self.children for b in child.barcodes()]


class HrBox(Block):
    pass


# --- Tables -------------------------------------------------------------------------------


class Cell(ContainerBox):
    def __init__(self, style, children, colspan: int):
        super().__init__(style, children)
        self.colspan = colspan

    def draw_cell(self, canv, x, top, width, row_height):
        s = self.style
        self.measure(width)
        extra = row_height - self.height
        # Stretch the cell to the row: background and borders cover the whole row height.
        self.border_height += extra
        self.height = row_height
        if extra > 0 and s.vertical_align != "top":
            shift = extra / 2 if s.vertical_align == "middle" else extra
            self._shift = shift
        else:
            self._shift = 0.0
        self.draw(canv, x, top, width)
        self._width = None  # force a re-measure next time: heights were changed

    def draw_content(self, canv, x, top, width, height):
        super().draw_content(canv, x, top - getattr(self, "_shift", 0.0), width, height)


class Row:
    __slots__ = ("cells", "header")

    def __init__(self, cells: list[Cell], header: bool):
        self.cells = cells
        self.header = header


class TableBox(Block):
    splittable = True

    def __init__(self, style, rows: list[Row], columns: int | None = None):
        super().__init__(style)
        self.rows = rows
        self.columns = columns or max((sum(c.colspan for c in r.cells) for r in rows), default=0)
        self._col_widths: list[float] | None = None
        self._cols_for: float | None = None
        self._row_heights: list[float] = []

    def _column_widths(self, width: float) -> list[float]:
        """Column widths as browsers choose them for `table-layout: auto`, simplified:
        widths from CSS first; the other columns get their max-content width if it all fits,
        else their min-content width plus a share of what is left in proportion to how much
        more they want."""
        if self._cols_for == width and self._col_widths is not None:
            return self._col_widths
        n = self.columns
        given: list[float | None] = [None] * n
        most, least = self._content_widths()
        for row in self.rows:
            col = 0
            for cell in row.cells:
                w = cell.style.width
                if cell.colspan == 1 and col < n and w is not None and given[col] is None:
                    given[col] = w[1] * width / 100 if w[0] == "%" else w[1]
                col += cell.colspan
        fixed = sum(g for g in given if g is not None)
        free = [i for i in range(n) if given[i] is None]
        rest = max(width - fixed, 0.0)
        widths = [g if g is not None else 0.0 for g in given]
        if free:
            wants = [max(most[i], 1.0) for i in free]
            needs = [min(max(least[i], 1.0), wants[k]) for k, i in enumerate(free)]
            if sum(wants) <= rest:
                slack = rest - sum(wants)
                total = sum(wants)
                for k, i in enumerate(free):
                    widths[i] = wants[k] + slack * wants[k] / total
            elif sum(needs) <= rest:
                extra = rest - sum(needs)
                more = [w - m for w, m in zip(wants, needs, strict=True)]
                total = sum(more) or 1.0
                for k, i in enumerate(free):
                    widths[i] = needs[k] + extra * more[k] / total
            else:  # too narrow even for the longest words: shrink them all alike
                total = sum(needs)
                for k, i in enumerate(free):
                    widths[i] = rest * needs[k] / total
        elif fixed and abs(fixed - width) > 0.5:
            widths = [w * width / fixed for w in widths]  # widths must fill the table
        self._col_widths = widths
        self._cols_for = width
        return widths

    def _content_widths(self) -> tuple[list[float], list[float]]:
        most = [0.0] * self.columns
        least = [0.0] * self.columns
        for row in self.rows:
            col = 0
            for cell in row.cells:
                if cell.colspan == 1 and col < self.columns:
                    most[col] = max(most[col], cell.natural_width())
                    least[col] = max(least[col], cell.min_width())
                col += cell.colspan
        return most, least

    def _row_height(self, row: Row, widths: list[float]) -> float:
        height, col = 0.0, 0
        for cell in row.cells:
            cell_width = sum(widths[col : col + cell.colspan])
            height = max(height, cell.measure(cell_width))
            col += cell.colspan
        return height

    def content_height(self, width):
        widths = self._column_widths(width)
        self._row_heights = [self._row_height(row, widths) for row in self.rows]
        return sum(self._row_heights)

    def content_natural_width(self):
        return sum(self._content_widths()[0])

    def content_min_width(self):
        return sum(self._content_widths()[1])

    def draw_content(self, canv, x, top, width, height):
        widths = self._column_widths(width)
        y = top
        for row, row_height in zip(self.rows, self._row_heights, strict=True):
            cx, col = x, 0
            for cell in row.cells:
                cell_width = sum(widths[col : col + cell.colspan])
                cell.draw_cell(canv, cx, y, cell_width, row_height)
                cx += cell_width
                col += cell.colspan
            y -= row_height

    def split(self, width, available):
        if self.style.page_break_inside_avoid:
            return None, self
        left, right, top, bottom = self._edges()
        inner = max(width - left - right, 1.0)
        self.measure(width)
        room = available - self.style.margin[0] - top - bottom
        header = [row for row in self.rows if row.header]
        used, count = 0.0, 0
        for row_height in self._row_heights:
            if used + row_height > room:
                break
            used += row_height
            count += 1
        body_rows = sum(1 for row in self.rows[:count] if not row.header)
        if count == len(self.rows):
            return self, None
        if body_rows == 0:
            return None, self
        head = TableBox(self.style, self.rows[:count], self.columns)
        tail = TableBox(self.style, header + self.rows[count:], self.columns)
        head._cols_for = tail._cols_for = inner
        head._col_widths = tail._col_widths = self._column_widths(inner)
        return head, tail

    def barcodes(self):
        return [b for row in self.rows for cell in row.cells for b in cell.barcodes()]


# --- Barcode ------------------------------------------------------------------------------


class BarcodeBox(Block):
    """A GS1-128 barcode of AI (00) + SSCC with the human readable line below it."""

    def __init__(self, style: Style, node: Node, errors: list[str]):
        super().__init__(style)
        self.sscc = ""
        self.symbol = None
        attrs = node.attrs
        raw = attrs.get("sscc", "")
        try:
            self.sscc = normalise_sscc(raw)
        except InvalidSSCC as error:
            errors.append(f'<barcode sscc="{raw}">: {error}')
        module_mm = BARCODE_MODULE_MM
        height_mm = BARCODE_HEIGHT_MM
        try:
            if "module" in attrs:
                module_mm = parse_length(attrs["module"]) / MM
            if "height" in attrs:
                height_mm = parse_length(attrs["height"]) / MM
        except ValueError as error:
            errors.append(f"<barcode>: {error}.")
        if not BARCODE_MODULE_MIN_MM - 1e-6 <= module_mm <= BARCODE_MODULE_MAX_MM + 1e-6:
            errors.append(
                f'<barcode module="{attrs.get("module")}">: GS1 logistic labels need a module '
                f"width (X-dimension) from {BARCODE_MODULE_MIN_MM} mm to "
                f"{BARCODE_MODULE_MAX_MM} mm; leave it out for {BARCODE_MODULE_MM} mm."
            )
        if height_mm < BARCODE_HEIGHT_MIN_MM - 1e-6:
            errors.append(
                f'<barcode height="{attrs.get("height")}">: GS1 logistic labels need bars at '
                f"least {BARCODE_HEIGHT_MIN_MM} mm high; leave it out for {BARCODE_HEIGHT_MM} mm."
            )
        hri = attrs.get("hri", "yes").strip().lower()
        if hri not in ("yes", "no", "true", "false", "1", "0"):
            errors.append(f'<barcode hri="{hri}">: use hri="yes" or hri="no".')
        self.hri = hri in ("yes", "true", "1")
        self.module = module_mm * MM
        self.bar_height = height_mm * MM
        quiet = QUIET_ZONE_MODULES * self.module
        if self.sscc:
            self.symbol = Code128(
                gs1_128_data(self.sscc),
                barWidth=self.module,
                barHeight=self.bar_height,
                quiet=1,
                lquiet=quiet,
                rquiet=quiet,
            )
            self.symbol_width = self.symbol.width
        else:
            self.symbol_width = (156 + 2 * QUIET_ZONE_MODULES) * self.module
        self.hri_size = max(style.font_size, 8.0)

    def content_height(self, width):
        height = self.bar_height
        if self.hri:
            height += self.hri_size * 1.3
        return height

    def content_natural_width(self):
        return self.symbol_width

    def draw_content(self, canv, x, top, width, height):
        if self.symbol is None:
            return
        if self.style.text_align == "center":
            x += (width - self.symbol_width) / 2
        elif self.style.text_align == "right":
            x += width - self.symbol_width
        # All bars as one filled path (reportlab's Code128.drawOn draws a rectangle object
        # per bar): the same geometry, from the symbol's bar/space sequence.
        bottom = top - self.bar_height
        left = x + self.symbol.lquiet
        bars = []
        for char in self.symbol.decomposed:
            modules = (ord(char.lower()) - 96) * self.module
            if char.isupper():
                bars.append(f"{left:.3f} {bottom:.3f} {modules:.3f} {self.bar_height:.3f} re")
            left += modules
        canv._code.append("0 0 0 rg\n" + "\n".join(bars) + "\nf")
        if self.hri:
            canv.setFont("DocMono", self.hri_size)
            canv.drawCentredString(
                x + self.symbol_width / 2,
                top - self.bar_height - self.hri_size * 1.05,
                sscc_hri(self.sscc),
            )

    def barcodes(self):
        return [self]


# --- Building boxes from the tree ---------------------------------------------------------


def _has_content(nodes) -> bool:
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
    run: list = []

    def flush():
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

    def add_row(tr: Node, header: bool):
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
        part, rest = (None, block)
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
