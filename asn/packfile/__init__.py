"""Pack files (issue #7): the warehouse says how a group shipment is packed.

A pack file is CSV, one line per (PO, EAN) in a container: bill of lading, PO, pallet SSCC,
carton SSCC (empty: loose on the pallet), EAN, quantity in eaches, unit weight in kg and the
time, optional both. Columns go by header name (case, spaces and common synonyms such as
`bol`, `po_number`, `carton_sscc` are fine); `,` or `;`; UTF-8 with or without BOM. It comes
through the watched folder (`pack_inbox_process`), the REST endpoint (`asn.views_pack`) or an
upload on the group shipment's page.

One file is one bill of lading, which names the shop's group shipment in packing. The file is
the whole truth about it: applying replaces its containers and placements and sets its orders
and lines to what the file ships (eaches summed per PO and EAN over the containers).

All or nothing. A file is refused, changing nothing, with every problem and its line, a
`PackImport` and a shop alert, for: an unreadable line or number; an unknown PO or one going
to another FC; an EAN not on the PO; more than may still ship (accepted by Amazon, not in
another group shipment); an invalid SSCC, one used as pallet and carton, a carton on two
pallets, or an SSCC used within 365 days elsewhere (this group shipment's own may stay).

Idempotent: a file that would leave the group shipment as it is writes nothing (status
unchanged), so a repeat or a rerun after a crash is harmless. Applications to one group
shipment run one at a time under its row lock, and each bumps its revision once.
"""

from asn.packfile.importing import PackResult, pack_import
from asn.packfile.inbox import InboxFile, pack_inbox_process
from asn.packfile.reading import PackFile, PackLine, pack_file_read

__all__ = [
    "InboxFile",
    "PackFile",
    "PackLine",
    "PackResult",
    "pack_file_read",
    "pack_import",
    "pack_inbox_process",
]
