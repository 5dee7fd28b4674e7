"""The document markup: a small subset of HTML and CSS, parsed into a tree with computed styles.

A shop's template (Django template language) renders to this markup; `layout.py` lays it out
on PDF pages. Only what labels and packing lists need is supported, and anything else is an
error with a readable message rather than silently ignored, so that a shop admin sees at once
why the preview does not look like a browser would show it.

Elements
    blocks      div section header footer main article, p h1-h6, hr
    tables      table thead tbody tfoot tr td th (colspan; no rowspan)
    inline      b strong i em u small span br
    barcode     <barcode sscc="..." [module="0.508mm"] [height="32mm"] [hri="yes|no"]>:
                a GS1-128 barcode of AI (00) + SSCC
    ignored     html head body title meta; <style> holds the CSS

CSS (in <style> and style="..."): selectors tag, .class, tag.class, *, descendant (a b)
and child (a > b) combinators; properties listed in `PROPERTIES`; units pt px mm cm in em %.
`@page { margin: ... }` sets the page margins. `margin-top: auto` on a top-level block of a
label pushes it (and what follows) to the bottom of the label.
"""

from __future__ import annotations

import re
import threading
from html import unescape

MM = 72 / 25.4
UNITS = {"pt": 1.0, "px": 0.75, "mm": MM, "cm": 10 * MM, "in": 72.0}

BLOCK_TAGS = {"div", "section", "header", "footer", "main", "article", "p"}
BLOCK_TAGS |= {f"h{n}" for n in range(1, 7)}
TABLE_TAGS = {"table", "thead", "tbody", "tfoot", "tr", "td", "th"}
INLINE_TAGS = {"b", "strong", "i", "em", "u", "small", "span", "br"}
IGNORED_TAGS = {"html", "head", "body", "title", "meta"}
VOID_TAGS = {"br", "hr", "barcode", "meta"}
KNOWN_TAGS = BLOCK_TAGS | TABLE_TAGS | INLINE_TAGS | IGNORED_TAGS | {"hr", "barcode", "style"}
# Tags whose end tag HTML lets people leave out; they close when a sibling starts.
IMPLIED_END = {"p", "td", "th", "tr", "thead", "tbody", "tfoot"}

NAMED_COLORS = {
    "black": (0.0, 0.0, 0.0),
    "white": (1.0, 1.0, 1.0),
    "red": (0.8, 0.0, 0.0),
    "green": (0.0, 0.5, 0.0),
    "blue": (0.0, 0.0, 0.8),
    "gray": (0.5, 0.5, 0.5),
    "grey": (0.5, 0.5, 0.5),
    "silver": (0.75, 0.75, 0.75),
    "lightgray": (0.83, 0.83, 0.83),
    "lightgrey": (0.83, 0.83, 0.83),
    "darkgray": (0.66, 0.66, 0.66),
    "darkgrey": (0.66, 0.66, 0.66),
    "dimgray": (0.41, 0.41, 0.41),
    "whitesmoke": (0.96, 0.96, 0.96),
}
FONT_SIZE_KEYWORDS = {
    "xx-small": 6.0,
    "x-small": 7.0,
    "small": 8.0,
    "medium": 10.0,
    "large": 12.0,
    "x-large": 16.0,
    "xx-large": 22.0,
}
SANS = {"sans-serif", "sans", "dejavu sans", "helvetica", "arial", "verdana", "serif", "times"}
MONO = {"monospace", "dejavu sans mono", "courier", "courier new", "consolas", "menlo"}


MAX_DEPTH = 40  # elements open inside each other


class MarkupError(ValueError):
    """The rendered template is not valid document markup; `messages` are for the shop admin."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


# --- Tree ---------------------------------------------------------------------------------


class Node:
    __slots__ = ("attrs", "children", "classes", "line", "parent", "style", "tag")

    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None, line: int):
        self.tag = tag
        self.attrs = attrs
        self.classes = tuple(attrs.get("class", "").split())
        self.children: list[Node | str] = []
        self.parent = parent
        self.line = line
        self.style: Style | None = None

    def describe(self) -> str:
        cls = "".join(f".{c}" for c in self.classes)
        return f"<{self.tag}{cls}>"


_TOKENS = re.compile(
    r"<!--.*?-->"
    r"|<(/?)([A-Za-z][A-Za-z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)\s*(/?)>"
    r"|<![^>]*>"
    r"|[^<]+"
    r"|<",
    re.S,
)
_ATTRS = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")


_NO_TEXT = {"root", "table", "thead", "tbody", "tfoot", "tr"}


class _Parser:
    """A tokenizer for the markup subset (one regex: several times faster than html.parser,
    which matters at a thousand labels), with HTML's forgiving rules for omitted end tags."""

    def __init__(self):
        self._line = 1
        self.root = Node("root", {}, None, 1)
        self.stack = [self.root]
        self.errors: list[str] = []
        self.css: list[str] = []
        self._in_style = False
        self._in_title = False

    def _where(self) -> str:
        return f"output line {self._line}"

    def feed(self, markup: str) -> None:
        position = 0
        for match in _TOKENS.finditer(markup):
            start = match.start()
            self._line += markup.count("\n", position, start)
            position = start
            name = match.group(2)
            if name is not None:
                tag = name.lower()
                if match.group(1):
                    self.handle_endtag(tag)
                else:
                    attrs = [
                        (key.lower(), unescape(value[1:-1] if value[:1] in "\"'" else value))
                        for key, value in _ATTRS.findall(match.group(3) or "")
                    ]
                    self._start(tag, attrs, closed=bool(match.group(4)))
            else:
                text = match.group()
                if text.startswith("<!"):
                    continue
                self.handle_data(unescape(text) if "&" in text else text)

    def _start(self, tag, attrs, closed):
        if tag not in KNOWN_TAGS:
            self.errors.append(
                f"<{tag}> is not supported ({self._where()}). Use div, p, h1-h6, table, span, "
                "b, i, u, small, br, hr or barcode."
            )
            return
        if tag == "style":
            self._in_style = not closed
            return
        if tag == "title":
            self._in_title = not closed
            return
        if tag in IGNORED_TAGS:
            return
        # HTML's omitted end tags: a new cell closes the open cell, a new row the open row...
        top = self.stack[-1]
        if tag in ("td", "th"):
            self._close_implied({"td", "th"}, stop={"tr", "table"})
        elif tag == "tr":
            self._close_implied({"td", "th", "tr"}, stop={"table", "thead", "tbody", "tfoot"})
        elif tag in ("thead", "tbody", "tfoot"):
            self._close_implied({"td", "th", "tr", "thead", "tbody", "tfoot"}, stop={"table"})
        elif tag in BLOCK_TAGS | {"table", "hr", "barcode"}:
            self._close_implied({"p"}, stop=BLOCK_TAGS - {"p"} | TABLE_TAGS)
        top = self.stack[-1]
        if tag not in VOID_TAGS and not closed and len(self.stack) > MAX_DEPTH:
            # Styling and layout walk the tree recursively: a deeper one would exhaust the
            # stack (a 500 once). No document needs more than a few levels.
            raise MarkupError(
                [
                    f"<{tag}> ({self._where()}) is nested more than {MAX_DEPTH} elements "
                    "deep; close the elements you open."
                ]
            )
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, top, self._line)
        top.children.append(node)
        if tag not in VOID_TAGS and not closed:
            self.stack.append(node)

    def _close_implied(self, closable: set[str], stop: set[str]):
        for index in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[index].tag
            if tag in stop:
                return
            if tag in closable:
                del self.stack[index:]
                return

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
            return
        if tag == "title":
            self._in_title = False
            return
        if tag in IGNORED_TAGS or tag in VOID_TAGS or tag not in KNOWN_TAGS:
            return
        for index in range(len(self.stack) - 1, 0, -1):
            node = self.stack[index]
            if node.tag == tag:
                unclosed = [n for n in self.stack[index + 1 :] if n.tag not in IMPLIED_END]
                if unclosed:
                    names = ", ".join(n.describe() for n in unclosed)
                    self.errors.append(
                        f"</{tag}> ({self._where()}) closes {node.describe()} while {names} "
                        "inside it is still open."
                    )
                del self.stack[index:]
                return
        self.errors.append(f"</{tag}> ({self._where()}) has no matching <{tag}>.")

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)
        elif self._in_title:
            return
        elif data:
            top = self.stack[-1]
            if top.tag in _NO_TEXT and data.isspace():
                return  # indentation between rows and cells
            top.children.append(data)

    def close(self):
        unclosed = [n for n in self.stack[1:] if n.tag not in IMPLIED_END]
        if unclosed:
            names = ", ".join(f"{n.describe()} (output line {n.line})" for n in unclosed)
            self.errors.append(f"Not closed at the end of the document: {names}.")


def parse(markup: str) -> tuple[Node, str, list[str]]:
    """(root node, CSS text, errors). Markup nested more than MAX_DEPTH deep is an error
    (and an empty tree)."""
    parser = _Parser()
    try:
        parser.feed(markup)
    except MarkupError as error:
        return Node("root", {}, None, 1), "", error.messages
    parser.close()
    return parser.root, "\n".join(parser.css), parser.errors


# --- Values -------------------------------------------------------------------------------


def parse_length(value: str, font_size: float = 10.0, percent_of: float | None = None) -> float:
    """Points for a CSS length; ValueError with a readable message."""
    text = value.strip().lower()
    if text in ("0", "0.0"):
        return 0.0
    match = re.fullmatch(r"(-?\d+(?:\.\d+)?|-?\.\d+)\s*(pt|px|mm|cm|in|em|%)", text)
    if not match:
        raise ValueError(f"{value!r} is not a length (use e.g. 4mm, 10pt, 1.5em)")
    number, unit = float(match.group(1)), match.group(2)
    if unit == "em":
        return number * font_size
    if unit == "%":
        if percent_of is None:
            raise ValueError(f"{value!r}: a percentage is not allowed here")
        return number * percent_of / 100
    return number * UNITS[unit]


def parse_color(value: str) -> tuple[float, float, float] | None:
    text = value.strip().lower()
    if text in ("transparent", "none"):
        return None
    if text in NAMED_COLORS:
        return NAMED_COLORS[text]
    if re.fullmatch(r"#[0-9a-f]{3}", text):
        return tuple(int(c * 2, 16) / 255 for c in text[1:])  # type: ignore[return-value]
    if re.fullmatch(r"#[0-9a-f]{6}", text):
        return tuple(int(text[i : i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]
    match = re.fullmatch(r"rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)", text)
    if match:
        return tuple(min(int(g), 255) / 255 for g in match.groups())  # type: ignore[return-value]
    raise ValueError(f"{value!r} is not a color (use e.g. black, #333 or #1a1a1a)")


# --- Styles -------------------------------------------------------------------------------


class Style:
    """Computed style of one element. Inherited: the font and text properties."""

    __slots__ = (
        "background",
        "bold",
        "border",
        "color",
        "display_none",
        "edges",
        "font_family",
        "font_size",
        "height",
        "italic",
        "line_height",
        "margin",
        "margin_top_auto",
        "nowrap",
        "padding",
        "page_break_before",
        "page_break_inside_avoid",
        "text_align",
        "transform",
        "underline",
        "vertical_align",
        "width",
    )

    def __init__(self):
        self.font_family = "sans"
        self.bold = False
        self.italic = False
        self.font_size = 10.0
        self.color = (0.0, 0.0, 0.0)
        self.text_align = "left"
        self.line_height = 1.2
        self.transform = ""
        self.underline = False
        self.nowrap = False
        self.reset_box()

    def reset_box(self):
        self.background = None
        self.margin = [0.0, 0.0, 0.0, 0.0]  # top right bottom left
        self.margin_top_auto = False
        self.padding = [0.0, 0.0, 0.0, 0.0]
        self.border: list[tuple[float, tuple, str] | None] = [None, None, None, None]
        self.width: tuple[str, float] | None = None  # ("pt", n) or ("%", n)
        self.height = 0.0
        self.vertical_align = "top"
        self.page_break_before = False
        self.page_break_inside_avoid = False
        self.display_none = False
        self.edges = None  # (left, right, top, bottom), filled in by the layout

    def inherit(self) -> Style:
        child = Style.__new__(Style)
        for name in ("font_family", "bold", "italic", "font_size", "color", "text_align"):
            setattr(child, name, getattr(self, name))
        for name in ("line_height", "transform", "underline", "nowrap"):
            setattr(child, name, getattr(self, name))
        child.reset_box()
        return child


UA_STYLES = {
    "h1": "font-size: 20pt; font-weight: bold; margin-bottom: 3pt",
    "h2": "font-size: 15pt; font-weight: bold; margin-bottom: 3pt",
    "h3": "font-size: 12pt; font-weight: bold; margin-bottom: 2pt",
    "h4": "font-size: 10pt; font-weight: bold; margin-bottom: 2pt",
    "h5": "font-size: 9pt; font-weight: bold; margin-bottom: 2pt",
    "h6": "font-size: 8pt; font-weight: bold; margin-bottom: 2pt",
    "p": "margin-bottom: 3pt",
    "b": "font-weight: bold",
    "strong": "font-weight: bold",
    "i": "font-style: italic",
    "em": "font-style: italic",
    "u": "text-decoration: underline",
    "small": "font-size: 0.8em",
    "th": "font-weight: bold; padding: 1pt 2pt",
    "td": "padding: 1pt 2pt",
    "hr": "border-top: 0.5pt solid black; margin: 2pt 0",
    "table": "margin-bottom: 2pt",
}


def _box_values(value: str, style: Style, name: str) -> list[float]:
    parts = value.split()
    if not 1 <= len(parts) <= 4:
        raise ValueError(f"{name} takes 1 to 4 lengths, not {value!r}")
    numbers = [0.0 if p == "auto" else parse_length(p, style.font_size) for p in parts]
    if len(numbers) == 1:
        numbers *= 4
    elif len(numbers) == 2:
        numbers = [numbers[0], numbers[1], numbers[0], numbers[1]]
    elif len(numbers) == 3:
        numbers = [numbers[0], numbers[1], numbers[2], numbers[1]]
    return numbers


def _border(value: str, style: Style) -> tuple[float, tuple, str] | None:
    width, color, kind = 0.75, (0.0, 0.0, 0.0), "solid"
    for part in value.split():
        low = part.lower()
        if low in ("none", "hidden"):
            return None
        if low in ("solid", "dashed", "dotted", "double"):
            kind = "solid" if low == "double" else low
        elif low in ("thin", "medium", "thick"):
            width = {"thin": 0.5, "medium": 1.5, "thick": 3.0}[low]
        elif re.match(r"^-?[\d.]", low):
            width = parse_length(low, style.font_size)
        else:
            color = parse_color(low) or (1.0, 1.0, 1.0)
    return (width, color, kind) if width > 0 else None


SIDES = {"top": 0, "right": 1, "bottom": 2, "left": 3}


def apply_declaration(style: Style, name: str, value: str, parent_font_size: float) -> None:
    """Set one CSS property on `style`; ValueError with a readable message."""
    value = value.strip()
    low = value.lower()
    if name == "font-size":
        if low in FONT_SIZE_KEYWORDS:
            style.font_size = FONT_SIZE_KEYWORDS[low]
        else:
            size = parse_length(low, parent_font_size, percent_of=parent_font_size)
            if not 2 <= size <= 400:
                raise ValueError(f"font-size {value} is out of range (2pt to 400pt)")
            style.font_size = size
    elif name == "font-weight":
        style.bold = low in ("bold", "bolder") or (low.isdigit() and int(low) >= 600)
    elif name == "font-style":
        style.italic = low in ("italic", "oblique")
    elif name == "font-family":
        for family in (f.strip().strip("'\"").lower() for f in value.split(",")):
            if family in MONO:
                style.font_family = "mono"
                return
            if family in SANS:
                style.font_family = "sans"
                return
        raise ValueError(
            f"font-family {value} is not available; use sans-serif (DejaVu Sans) or monospace"
        )
    elif name == "font":
        raise ValueError("use font-size, font-weight and font-family instead of the font shorthand")
    elif name == "color":
        style.color = parse_color(low) or (1.0, 1.0, 1.0)
    elif name in ("background", "background-color"):
        style.background = parse_color(low)
    elif name == "text-align":
        aligns = {"left": "left", "start": "left", "justify": "left", "right": "right"}
        aligns |= {"end": "right", "center": "center"}
        if low not in aligns:
            raise ValueError(f"text-align {value} is not left, center or right")
        style.text_align = aligns[low]
    elif name == "text-transform":
        if low not in ("uppercase", "lowercase", "none"):
            raise ValueError(f"text-transform {value} is not uppercase, lowercase or none")
        style.transform = "" if low == "none" else low
    elif name == "text-decoration":
        style.underline = "underline" in low
    elif name == "white-space":
        style.nowrap = low in ("nowrap", "pre")
    elif name == "line-height":
        if low == "normal":
            style.line_height = 1.2
        elif re.fullmatch(r"\d+(\.\d+)?", low):
            style.line_height = float(low)
        else:
            style.line_height = (
                parse_length(low, style.font_size, style.font_size) / style.font_size
            )
    elif name == "margin":
        style.margin = _box_values(low, style, name)
        style.margin_top_auto = low.split()[0] == "auto"
    elif name.startswith("margin-") and name[7:] in SIDES:
        if low == "auto":
            style.margin[SIDES[name[7:]]] = 0.0
            style.margin_top_auto = style.margin_top_auto or name == "margin-top"
        else:
            style.margin[SIDES[name[7:]]] = parse_length(low, style.font_size)
    elif name == "padding":
        style.padding = _box_values(low, style, name)
    elif name.startswith("padding-") and name[8:] in SIDES:
        style.padding[SIDES[name[8:]]] = parse_length(low, style.font_size)
    elif name == "border":
        style.border = [_border(low, style)] * 4
    elif name.startswith("border-") and name[7:] in SIDES:
        style.border[SIDES[name[7:]]] = _border(low, style)
    elif name == "border-width":
        widths = _box_values(low, style, name)
        style.border = [
            (w, (b or (0, (0.0, 0.0, 0.0), "solid"))[1], (b or (0, 0, "solid"))[2]) if w else None
            for w, b in zip(widths, style.border, strict=True)
        ]
    elif name == "border-color":
        color = parse_color(low) or (1.0, 1.0, 1.0)
        style.border = [(b[0], color, b[2]) if b else None for b in style.border]
    elif name == "border-style":
        if low in ("none", "hidden"):
            style.border = [None] * 4
    elif name in ("width", "min-width", "max-width"):
        if low == "auto":
            style.width = None
        elif low.endswith("%"):
            style.width = ("%", float(low[:-1]))
        else:
            style.width = ("pt", parse_length(low, style.font_size))
    elif name in ("height", "min-height"):
        style.height = 0.0 if low == "auto" else parse_length(low, style.font_size)
    elif name == "vertical-align":
        if low not in ("top", "middle", "bottom", "baseline"):
            raise ValueError(f"vertical-align {value} is not top, middle or bottom")
        style.vertical_align = "top" if low == "baseline" else low
    elif name in ("page-break-before", "break-before"):
        style.page_break_before = low in ("always", "page")
    elif name in ("page-break-inside", "break-inside"):
        style.page_break_inside_avoid = low == "avoid"
    elif name == "display":
        if low not in ("none", "block", "table", "table-row", "table-cell", "inline"):
            raise ValueError(f"display {value} is not supported (only none)")
        style.display_none = low == "none"
    elif name in ("border-collapse", "border-spacing", "page-break-after", "break-after"):
        return  # accepted for convenience; the layout always collapses borders
    else:
        raise ValueError(f"the CSS property {name!r} is not supported")


def parse_declarations(text: str) -> list[tuple[str, str]]:
    declarations = []
    for part in text.split(";"):
        if not part.strip():
            continue
        if ":" not in part:
            raise ValueError(f"{part.strip()!r} is not a CSS declaration (name: value)")
        name, value = part.split(":", 1)
        declarations.append((name.strip().lower(), value.strip().removesuffix("!important")))
    return declarations


class Selector:
    """A compound-selector chain: [(tag or None, classes), ...] with combinators."""

    __slots__ = ("parts", "specificity")

    def __init__(self, text: str):
        tokens = text.replace(">", " > ").split()
        parts: list[tuple[str, str | None, frozenset[str]]] = []
        combinator = " "
        classes_total = tags_total = 0
        for token in tokens:
            if token == ">":
                combinator = ">"
                continue
            match = re.fullmatch(r"(\*|[a-z][a-z0-9]*)?((?:\.[A-Za-z_][\w-]*)*)", token)
            if not match or not token:
                raise ValueError(
                    f"the selector {text.strip()!r} is not supported "
                    "(use tag, .class, tag.class, descendants 'a b' or children 'a > b')"
                )
            tag = match.group(1) if match.group(1) not in (None, "*") else None
            classes = frozenset(c for c in match.group(2).split(".") if c)
            parts.append((combinator, tag, classes))
            classes_total += len(classes)
            tags_total += tag is not None
            combinator = " "
        if not parts:
            raise ValueError("empty selector")
        self.parts = parts
        self.specificity = (classes_total, tags_total)

    @staticmethod
    def _matches(part, tag: str, classes: tuple[str, ...]) -> bool:
        _, want_tag, want_classes = part
        return (want_tag is None or want_tag == tag) and want_classes.issubset(classes)

    def matches(self, chain: list[tuple[str, tuple[str, ...]]]) -> bool:
        """`chain`: (tag, classes) from the element up to the root."""
        parts = self.parts
        if not self._matches(parts[-1], *chain[0]):
            return False
        position = 1
        for index in range(len(parts) - 2, -1, -1):
            combinator = parts[index + 1][0]
            if combinator == ">":
                if position >= len(chain) or not self._matches(parts[index], *chain[position]):
                    return False
                position += 1
            else:
                while position < len(chain) and not self._matches(parts[index], *chain[position]):
                    position += 1
                if position >= len(chain):
                    return False
                position += 1
        return True


class Stylesheet:
    """The rules of one template's CSS, with a cache of computed styles shared by every
    document rendered with it (a batch of labels computes each distinct style once)."""

    def __init__(self, css: str):
        self.errors: list[str] = []
        self.rules: list[tuple[tuple[int, int], int, Selector, list[tuple[str, str]]]] = []
        self.page: list[tuple[str, str]] = []
        self._cache: dict[tuple, tuple[int, Style, tuple]] = {}
        self._chains: dict = {}
        self._margins: dict[float, list[float]] = {}
        self._lock = threading.Lock()  # cache misses only: threads may share a stylesheet
        self._parse(css)

    def _parse(self, css: str) -> None:
        css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
        order = 0
        for match in re.finditer(r"([^{}]*)\{([^{}]*)\}", css):
            selectors, body = match.group(1).strip(), match.group(2)
            try:
                declarations = parse_declarations(body)
            except ValueError as error:
                self.errors.append(f"CSS for {selectors!r}: {error}.")
                continue
            if selectors.startswith("@page"):
                self.page.extend(declarations)
                continue
            if selectors.startswith("@"):
                self.errors.append(f"CSS: {selectors.split()[0]} is not supported.")
                continue
            for text in selectors.split(","):
                try:
                    selector = Selector(text)
                except ValueError as error:
                    self.errors.append(f"CSS: {error}.")
                    continue
                self.rules.append((selector.specificity, order, selector, declarations))
                order += 1
        leftover = re.sub(r"([^{}]*)\{([^{}]*)\}", "", css).strip()
        if leftover:
            self.errors.append(f"CSS: cannot read {leftover[:60]!r} (a missing brace?).")
        self.rules.sort(key=lambda rule: (rule[0], rule[1]))

    def page_margins(self, default: float) -> list[float]:
        if default not in self._margins:
            self._margins[default] = self._page_margins(default)
        return self._margins[default]

    def _page_margins(self, default: float) -> list[float]:
        margins = [default] * 4
        for name, value in self.page:
            try:
                if name == "margin":
                    margins = _box_values(value.lower(), Style(), "margin")
                elif name.startswith("margin-") and name[7:] in SIDES:
                    margins[SIDES[name[7:]]] = parse_length(value)
                elif name != "size":
                    raise ValueError(f"{name} is not supported in @page (only margin)")
            except ValueError as error:
                self.errors.append(f"CSS @page: {error}.")
        return margins

    def compute(self, node: Node, parent_key, parent_style: Style, errors: list[str]):
        """(key, style) of `node`, cached by parent, tag, classes and style attribute."""
        inline = node.attrs.get("style", "")
        cache_key = (parent_key, node.tag, node.classes, inline)
        hit = self._cache.get(cache_key)
        if hit is not None:
            errors.extend(hit[2])
            return hit[0], hit[1]
        with self._lock:
            return self._compute(node, cache_key, parent_key, parent_style, errors)

    def _compute(self, node, cache_key, parent_key, parent_style, errors):
        hit = self._cache.get(cache_key)
        if hit is not None:
            errors.extend(hit[2])
            return hit[0], hit[1]
        inline = node.attrs.get("style", "")
        own_errors: list[str] = []
        style = parent_style.inherit()
        chain = [(node.tag, node.classes), *self._chains[parent_key]]
        declarations: list[tuple[str, str, str]] = []
        ua = UA_STYLES.get(node.tag)
        if ua:
            declarations += [(n, v, "built-in") for n, v in parse_declarations(ua)]
        for _spec, _order, selector, decls in self.rules:
            if selector.matches(chain):
                declarations += [(n, v, "CSS") for n, v in decls]
        if inline:
            try:
                declarations += [(n, v, "style") for n, v in parse_declarations(inline)]
            except ValueError as error:
                own_errors.append(f'{node.describe()} style="{inline}": {error}.')
        for name, value, origin in declarations:
            try:
                apply_declaration(style, name, value, parent_style.font_size)
            except ValueError as error:
                where = f'style="{inline}"' if origin == "style" else "CSS"
                own_errors.append(f"{node.describe()} {where}: {error}.")
        key = len(self._chains)
        self._chains[key] = chain
        self._cache[cache_key] = (key, style, tuple(own_errors))
        errors.extend(own_errors)
        return key, style


_STYLESHEETS: dict[str, Stylesheet] = {}


def stylesheet_for(css: str) -> Stylesheet:
    """Parsed stylesheets are cached by their text (a few templates per process)."""
    sheet = _STYLESHEETS.get(css)
    if sheet is None:
        if len(_STYLESHEETS) > 64:
            _STYLESHEETS.clear()
        sheet = _STYLESHEETS[css] = Stylesheet(css)
    return sheet


def style_tree(root: Node, sheet: Stylesheet, base: Style, errors: list[str]) -> None:
    """Compute `node.style` for every element below `root`, inheriting from `base`.

    The cache is keyed by the base's font size, the only property the renderer varies.
    """
    root_key = ("base", base.font_size)
    sheet._chains.setdefault(root_key, [])
    stack = [(root, root_key, base)]
    root.style = base
    while stack:
        node, key, style = stack.pop()
        for child in node.children:
            if isinstance(child, Node):
                child_key, child_style = sheet.compute(child, key, style, errors)
                child.style = child_style
                stack.append((child, child_key, child_style))
