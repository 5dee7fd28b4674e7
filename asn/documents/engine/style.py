"""CSS values and properties for the document markup: lengths and colors, the computed
`Style` of an element, and `apply_declaration`, which knows every property we support."""

from __future__ import annotations

import re
from typing import TypeAlias

Color: TypeAlias = tuple[float, float, float]  # RGB, 0 to 1
Border: TypeAlias = tuple[float, Color, str]  # width in points, color, solid/dashed/dotted
Edges: TypeAlias = tuple[float, float, float, float]  # left, right, top, bottom

MM = 72 / 25.4
UNITS = {"pt": 1.0, "px": 0.75, "mm": MM, "cm": 10 * MM, "in": 72.0}


NAMED_COLORS: dict[str, Color] = {
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


def parse_color(value: str) -> Color | None:
    text = value.strip().lower()
    if text in ("transparent", "none"):
        return None
    if text in NAMED_COLORS:
        return NAMED_COLORS[text]
    if re.fullmatch(r"#[0-9a-f]{3}", text):
        red, green, blue = (int(c * 2, 16) / 255 for c in text[1:])
        return (red, green, blue)
    if re.fullmatch(r"#[0-9a-f]{6}", text):
        red, green, blue = (int(text[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return (red, green, blue)
    match = re.fullmatch(r"rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)", text)
    if match:
        red, green, blue = (min(int(g), 255) / 255 for g in match.groups())
        return (red, green, blue)
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
    # Inherited by child elements (`inherit`):
    font_family: str  # "sans" or "mono"
    bold: bool
    italic: bool
    font_size: float  # points
    color: Color
    text_align: str  # left, center, right
    line_height: float  # a multiple of the font size
    transform: str  # "", uppercase, lowercase
    underline: bool
    nowrap: bool
    # The element's own box:
    background: Color | None
    margin: list[float]  # top right bottom left
    margin_top_auto: bool
    padding: list[float]  # top right bottom left
    border: list[Border | None]  # top right bottom left
    width: tuple[str, float] | None  # ("pt", n) or ("%", n)
    height: float
    vertical_align: str  # top, middle, bottom
    page_break_before: bool
    page_break_inside_avoid: bool
    display_none: bool
    edges: Edges | None  # filled in by the layout

    def __init__(self) -> None:
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

    def reset_box(self) -> None:
        self.background = None
        self.margin = [0.0, 0.0, 0.0, 0.0]
        self.margin_top_auto = False
        self.padding = [0.0, 0.0, 0.0, 0.0]
        self.border = [None, None, None, None]
        self.width = None
        self.height = 0.0
        self.vertical_align = "top"
        self.page_break_before = False
        self.page_break_inside_avoid = False
        self.display_none = False
        self.edges = None

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


def _border(value: str, style: Style) -> Border | None:
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
