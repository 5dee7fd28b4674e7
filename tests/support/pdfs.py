"""Reading generated PDFs back as a warehouse would: page text, and barcodes scanned at a
label printer's resolution."""

import pypdfium2
import zxingcpp

PRINTER_DPI = 203  # the resolution of the common 4x6 thermal label printers


def pdf_pages(pdf: bytes) -> int:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return len(document)
    finally:
        document.close()


def scan(pdf: bytes, dpi: int = PRINTER_DPI) -> list[list[zxingcpp.Barcode]]:
    """Rasterise every page as a printer would and decode it with zxing-cpp."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for page in document:
            image = page.render(scale=dpi / 72).to_pil().convert("L")
            pages.append(zxingcpp.read_barcodes(image))
        return pages
    finally:
        document.close()


def assert_gs1_sscc(barcode: zxingcpp.Barcode) -> str:
    """The SSCC of a GS1-128 (AI 00) barcode, asserting exactly what the scanner reports."""
    assert barcode.format == zxingcpp.BarcodeFormat.Code128
    assert barcode.symbology_identifier == "]C1"  # Code 128 with FNC1 first: GS1-128
    assert barcode.content_type == zxingcpp.ContentType.GS1
    raw = barcode.bytes.decode("ascii")
    assert len(raw) == 20 and raw.startswith("00"), raw
    sscc = raw[2:]
    assert barcode.text == f"(00){sscc}"  # zxing's HRI text mode
    return sscc


def page_text(pdf: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        texts = []
        for page in document:
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
        return texts
    finally:
        document.close()
