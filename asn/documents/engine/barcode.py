"""The GS1-128 barcode of an SSCC, drawn as one filled path, with its human readable line."""

from __future__ import annotations

from typing import Any

from reportlab.graphics.barcode.code128 import Code128

from asn.gs1 import InvalidSSCC, gs1_128_data, normalise_sscc, sscc_hri

from .boxes import Block, Canvas
from .markup import Node
from .style import MM, Style, parse_length

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


# --- Barcode ------------------------------------------------------------------------------


class BarcodeBox(Block):
    """A GS1-128 barcode of AI (00) + SSCC with the human readable line below it."""

    def __init__(self, style: Style, node: Node, errors: list[str]) -> None:
        super().__init__(style)
        self.sscc = ""
        self.symbol: Any = None  # reportlab's Code128, None without a valid SSCC
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
            self.symbol_width: float = self.symbol.width
        else:
            self.symbol_width = (156 + 2 * QUIET_ZONE_MODULES) * self.module
        self.hri_size = max(style.font_size, 8.0)

    def content_height(self, width: float) -> float:
        height = self.bar_height
        if self.hri:
            height += self.hri_size * 1.3
        return height

    def content_natural_width(self) -> float:
        return self.symbol_width

    def draw_content(self, canv: Canvas, x: float, top: float, width: float, height: float) -> None:
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

    def barcodes(self) -> list[BarcodeBox]:
        return [self]
