"""The pack inbox: CSV files dropped in `<PACK_INBOX_DIR>/inbox` are applied and moved to
`done/` (applied or unchanged) or `failed/` (refused, or for no shop) with a report beside
them. The beat job (`asn.packfile.tasks`) and `manage.py asn_packs` run a pass.

A file names no shop: its bill of lading finds it. Writers should write under another name
and rename the file into the inbox; a file changed in the last `SETTLE_SECONDS` waits for the
next pass in case it is still being written.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

from asn.models import GroupShipment, GroupShipmentStatus, PackSource
from asn.packfile.importing import PackResult, pack_import
from asn.packfile.reading import PackFile, pack_file_read
from shopctrl.folders import file_away, pass_lock, settled_files
from shops.models import Shop

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 10


@dataclass(frozen=True)
class InboxFile:
    """One file a pass handled: where it went, and its result (None: no shop to file it with,
    `report` says why)."""

    name: str
    moved_to: Path
    result: PackResult | None
    report: str


def pack_shop(pack: PackFile) -> Shop | str:
    """The shop with a group shipment of the file's bill of lading (preferring one in
    packing, should another shop use the same number), or why there is none. A file naming
    several BOLs of one shop goes to that shop, which refuses it."""
    if not pack.bols:  # no line could be read as far as its BOL
        return "\n".join(str(problem) for problem in pack.problems)
    named = ", ".join(pack.bols)
    groups = GroupShipment.objects.filter(bill_of_lading__in=pack.bols)
    for candidates in (groups.filter(status=GroupShipmentStatus.DRAFT), groups):
        shop_ids = set(candidates.values_list("shop_id", flat=True))
        if len(shop_ids) == 1:
            return Shop.objects.get(pk=shop_ids.pop())
        if shop_ids:
            return f"Bill of lading {named} is on group shipments of several shops."
    return f"No shop has a group shipment with the bill of lading {named}."


def _handle(path: Path, done: Path, failed: Path) -> InboxFile:
    pack = pack_file_read(path.read_bytes())
    shop = pack_shop(pack)
    if isinstance(shop, Shop):
        result = pack_import(shop=shop, pack=pack, source=PackSource.INBOX, name=path.name)
        report = result.report()
        target = file_away(path, done if result.ok else failed, report)
        return InboxFile(path.name, target, result, report)
    problems = "\n".join(f"- {line}" for line in shop.splitlines())
    report = f"Pack file {path.name}: refused, for no shop. Nothing was changed.\n{problems}"
    return InboxFile(path.name, file_away(path, failed, report), None, report)


def pack_inbox_process(
    *, directory: Path, settle_seconds: float = SETTLE_SECONDS
) -> list[InboxFile]:
    """Apply every settled `*.csv` in `<directory>/inbox` (see `pack_import`) and file it in
    `done/` or `failed/` with `<name>.report.txt`.

    Idempotent: a pass killed between applying a file and moving it leaves the file in the
    inbox, and the next pass finds the group shipment already packed so (unchanged, nothing
    written). A file whose application fails unexpectedly (the database is away) stays for
    the next pass without holding up the others. Overlapping passes skip (advisory lock).
    """
    inbox, done, failed = (directory / name for name in ("inbox", "done", "failed"))
    for folder in (inbox, done, failed):
        folder.mkdir(parents=True, exist_ok=True)
    handled: list[InboxFile] = []
    with pass_lock("asn.pack_inbox") as got:
        if not got:
            logger.info("Another pass is reading %s; skipped.", inbox)
            return handled
        for path in settled_files(inbox, ".csv", settle_seconds):
            try:
                handled.append(_handle(path, done, failed))
            except Exception:
                logger.exception(
                    "Pack file %s could not be applied; it stays for the next pass.", path.name
                )
                continue
            logger.info("Pack file %s → %s", path.name, handled[-1].moved_to)
    return handled
