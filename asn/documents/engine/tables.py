"""Tables: column widths as browsers choose them (simplified), rows split across pages with
the <thead> rows repeated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .boxes import Block, Canvas, ContainerBox
from .style import Style

if TYPE_CHECKING:
    from .barcode import BarcodeBox

# --- Tables -------------------------------------------------------------------------------


class Cell(ContainerBox):
    def __init__(self, style: Style, children: list[Block], colspan: int) -> None:
        super().__init__(style, children)
        self.colspan = colspan
        self._shift = 0.0  # moves the content down in a taller row (vertical-align)

    def draw_cell(
        self, canv: Canvas, x: float, top: float, width: float, row_height: float
    ) -> None:
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

    def draw_content(self, canv: Canvas, x: float, top: float, width: float, height: float) -> None:
        super().draw_content(canv, x, top - self._shift, width, height)


@dataclass(frozen=True, slots=True)
class Row:
    """A table row; header rows (from <thead>) repeat at the top of every page."""

    cells: list[Cell]
    header: bool


class TableBox(Block):
    splittable = True

    def __init__(self, style: Style, rows: list[Row], columns: int | None = None) -> None:
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

    def content_height(self, width: float) -> float:
        widths = self._column_widths(width)
        self._row_heights = [self._row_height(row, widths) for row in self.rows]
        return sum(self._row_heights)

    def content_natural_width(self) -> float:
        return sum(self._content_widths()[0])

    def content_min_width(self) -> float:
        return sum(self._content_widths()[1])

    def draw_content(self, canv: Canvas, x: float, top: float, width: float, height: float) -> None:
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

    def split(self, width: float, available: float) -> tuple[Block | None, Block | None]:
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

    def barcodes(self) -> list[BarcodeBox]:
        return [b for row in self.rows for cell in row.cells for b in cell.barcodes()]
