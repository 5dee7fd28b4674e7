"""Text: inline elements gathered into words, wrapped into lines at spaces, split across pages
between lines, and written as PDF text operators."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any, Final, NamedTuple, TypeAlias

from .boxes import Block, Canvas
from .fonts import ascent_descent, font_name, font_object, text_width
from .markup import INLINE_TAGS, Node
from .style import Color, Style

# --- Text ---------------------------------------------------------------------------------

_SPACES = re.compile(r"[ \t\r\n\f]+")
_WORDS = re.compile(r"[ \t\r\n\f]+|[^ \t\r\n\f]+")


class _Break(Enum):
    BR = "br"


BR: Final = _Break.BR  # a forced line break (<br>) among the words

# How a piece of text is drawn: (font name, size in points, color, underlined).
FontKey: TypeAlias = tuple[str, float, Color, bool]
# A run of text in one font: [text, FontKey], a list because runs grow as words join.
_Run: TypeAlias = list[Any]
# One piece of a laid-out line: [x offset, text, FontKey], growing likewise.
_Segment: TypeAlias = list[Any]


class _Token:
    """A word (text between spaces), in one or more fonts; `width` once measured."""

    __slots__ = ("parts", "space", "width")

    def __init__(self, space: bool, parts: list[_Run]) -> None:
        self.space = space  # preceded by a space
        self.parts = parts
        self.width = 0.0


Token: TypeAlias = _Token | _Break


class Line(NamedTuple):
    width: float
    height: float
    baseline: float  # from the line's top
    segments: list[_Segment]


def _fkey(style: Style) -> FontKey:
    return (font_name(style), style.font_size, style.color, style.underline)


class _InlineCollector:
    """Gathers the words of inline content, with its fonts, in reading order."""

    def __init__(self, errors: list[str]) -> None:
        self.tokens: list[Token] = []
        self.space = False
        self.glue = False
        self.errors = errors

    def walk(self, nodes: Iterable[Node | str], style: Style) -> None:
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

    def text(self, text: str, style: Style) -> None:
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
            last = self.tokens[-1] if self.glue and self.tokens else BR
            if last is not BR:
                last.parts.append([piece, fkey])
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
    pieces: list[list[_Run]] = []
    current: list[_Run] = []
    used = 0.0
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
        merged: list[_Run] = []
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

    def __init__(
        self,
        style: Style,
        nodes: Sequence[Node | str],
        errors: list[str],
        tokens: list[Token] | None = None,
    ) -> None:
        super().__init__(style)
        if tokens is None:
            collector = _InlineCollector(errors)
            collector.walk(nodes, style)
            tokens = collector.tokens
            while tokens and tokens[-1] is BR:  # a trailing <br> adds no line in HTML
                tokens.pop()
        self.tokens = tokens
        self.lines: list[Line] = []
        self.line_tokens: list[list[tuple[bool, _Token]]] = []
        self._lines_width: float | None = None

    def is_empty(self) -> bool:
        return not self.tokens

    def _layout(self, width: float) -> list[Line]:
        if self._lines_width == width:
            return self.lines
        style = self.style
        lines: list[list[tuple[bool, _Token]]] = []
        current: list[tuple[bool, _Token]] = []
        used = 0.0
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

    def _line(self, tokens: list[tuple[bool, _Token]]) -> Line:
        segments: list[_Segment] = []
        x = 0.0
        max_size = 0.0
        font_for_metrics: str | None = None
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
        if font_for_metrics is None:  # an empty line: the block's own font sets its height
            max_size = self.style.font_size
            font_for_metrics = font_name(self.style)
        ascent, descent = ascent_descent(font_for_metrics)
        height = max_size * self.style.line_height
        baseline = (height - (ascent - descent) * max_size) / 2 + ascent * max_size
        return Line(x, height, baseline, segments)

    def content_height(self, width: float) -> float:
        if not self.tokens:
            return 0.0
        return sum(line.height for line in self._layout(width))

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

    def draw_content(self, canv: Canvas, x: float, top: float, width: float, height: float) -> None:
        if not self.tokens:
            return
        align = self.style.text_align
        y = top
        # The PDF text operators are written directly (what reportlab's text object writes,
        # without its per-call overhead): one BT/ET for the whole block.
        doc = canv._doc
        escape = canv._escape
        out = ["BT"]
        current_color: Color | None = None
        underlines: list[tuple[float, float, float, float, Color]] = []
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
                face = font_object(font)
                for subset, encoded in face.splitString(piece, doc):
                    name = face.getSubsetInternalName(subset, doc)
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

    def split(self, width: float, available: float) -> tuple[Block | None, Block | None]:
        left, right, top, bottom = self._edges()
        lines = self._layout(max(width - left - right, 1.0))
        room = available - self.style.margin[0] - top - bottom
        used, count = 0.0, 0
        for line in lines:
            if used + line.height > room:
                break
            used += line.height
            count += 1
        if count == len(lines):
            return self, None
        if count == 0:
            return None, self
        # The same tokens, with a forced break where each laid-out line ended, lay out
        # into the same lines again.
        halves: tuple[list[Token], list[Token]] = ([], [])
        for index, line_tokens in enumerate(self.line_tokens):
            target = halves[0] if index < count else halves[1]
            if target:
                target.append(BR)
            target.extend(token for _, token in line_tokens)
        head = TextBox(self.style, (), [], tokens=halves[0])
        tail = TextBox(self.style, (), [], tokens=halves[1])
        return head, tail
