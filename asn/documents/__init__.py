"""Shipment documents: carton and pallet labels with GS1-128 SSCC barcodes, and packing lists.

Templates are Django templates (sandboxed, see `sandbox.py`) that produce a small HTML/CSS
subset (see `engine/`); the defaults live in templates/asn/documents/.
"""

from .data import (
    CartonLabel,
    Item,
    PackingCarton,
    PackingLine,
    PackingList,
    PackingPallet,
    PalletLabel,
    Party,
)
from .render import (
    KINDS,
    LABEL_KINDS,
    PAGE_SIZES,
    DocumentError,
    default_template,
    render_carton_labels,
    render_document,
    render_packing_list,
    render_pallet_labels,
    render_preview,
    render_shipment_labels,
    sample_document,
    template_errors,
)

__all__ = [
    "KINDS",
    "LABEL_KINDS",
    "PAGE_SIZES",
    "CartonLabel",
    "DocumentError",
    "Item",
    "PackingCarton",
    "PackingLine",
    "PackingList",
    "PackingPallet",
    "PalletLabel",
    "Party",
    "default_template",
    "render_carton_labels",
    "render_document",
    "render_packing_list",
    "render_pallet_labels",
    "render_preview",
    "render_shipment_labels",
    "sample_document",
    "template_errors",
]
