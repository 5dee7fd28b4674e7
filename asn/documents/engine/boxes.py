"""The box model: a block with margin, border, padding and background, and the blocks that
stack other blocks. Subclasses lay out their content (text, tables, barcodes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .style import Border, Edges, Style

if TYPE_CHECKING:
    from .barcode import BarcodeBox

# reportlab's canvas (reportlab has no type hints); the text and barcode boxes also write
# PDF operators straight into its page stream.
Canvas = Any


class LayoutError(ValueError):
    """The content does not fit the label or page; the message says by how much."""


# --- Blocks -------------------------------------------------------------------------------


class Block:
    """A box with margin, border, padding and background; subclasses lay out the content."""

    splittable = False

    def __init__(self, style: Style) -> None:
        self.style = style
        self._width: float | None = None
        self.height = 0.0  # outer height (margins included) for `_width`
        self.border_height = 0.0

    # Horizontal space taken by margins, borders and padding, and the vertical ones.
    def _edges(self) -> Edges:
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

    def draw(self, canv: Canvas, x: float, top: float, width: float) -> None:
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

    def draw_content(self, canv: Canvas, x: float, top: float, width: float, height: float) -> None:
        """What is inside the borders; a plain block (a rule, a spacer) has nothing."""

    def split(self, width: float, available: float) -> tuple[Block | None, Block | None]:
        """(part that fits in `available`, rest) or (None, self) when nothing fits."""
        return None, self

    def barcodes(self) -> list[BarcodeBox]:
        return []


def _draw_borders(
    canv: Canvas, borders: list[Border | None], x: float, top: float, width: float, height: float
) -> None:
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


# --- Containers ---------------------------------------------------------------------------


class ContainerBox(Block):
    splittable = True

    def __init__(self, style: Style, children: list[Block]) -> None:
        super().__init__(style)
        self.children = children

    def content_height(self, width: float) -> float:
        return sum(child.measure(width) for child in self.children)

    def content_natural_width(self) -> float:
        return max((child.natural_width() for child in self.children), default=0.0)

    def content_min_width(self) -> float:
        return max((child.min_width() for child in self.children), default=0.0)

    def draw_content(self, canv: Canvas, x: float, top: float, width: float, height: float) -> None:
        y = top
        for child in self.children:
            child.draw(canv, x, y, width)
            y -= child.height

    def split(self, width: float, available: float) -> tuple[Block | None, Block | None]:
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
                    rests = [rest] if rest is not None else []
                    tail_children = [*rests, *self.children[index + 1 :]]
            if not head_children:
                return None, self
            return ContainerBox(self.style, head_children), ContainerBox(self.style, tail_children)
        return self, None

    def barcodes(self) -> list[BarcodeBox]:
        return [b for child in self.children for b in child.barcodes()]


class HrBox(Block):
    """A horizontal rule: its border is all there is to draw (Block.draw draws borders)."""
