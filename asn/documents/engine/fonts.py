"""The bundled fonts and their metrics (cached: text is measured many times a label)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .style import Style

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
_FONT_FILES = {
    "DocSans": "DejaVuSans.ttf",
    "DocSans-Bold": "DejaVuSans-Bold.ttf",
    "DocSans-Oblique": "DejaVuSans-Oblique.ttf",
    "DocMono": "DejaVuSansMono.ttf",
    "DocMono-Bold": "DejaVuSansMono-Bold.ttf",
}
_fonts_lock = threading.Lock()
_fonts_ready = False


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
_FONT_OBJECTS: dict[str, Any] = {}  # reportlab's font objects (untyped)


def font_object(name: str) -> Any:
    """reportlab's font object of a registered font (for the text operators)."""
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
