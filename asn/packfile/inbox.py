"""The pack inbox: CSV files dropped in a shop's folder `<PACK_INBOX_DIR>/inbox/<shop id>/`
are applied to that shop and moved to `done/<shop id>/` (applied or unchanged) or
`failed/<shop id>/` (refused) with a report beside them; files outside a shop's folder go to
`failed/` (see shopctrl/folders.py). The beat job (`asn.packfile.tasks`) and `manage.py
asn_packs` run a pass.

Writers should write under another name and rename the file into the inbox; a file changed
in the last `SETTLE_SECONDS` waits for the next pass in case it is still being written.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

from asn.models import PackSource
from asn.packfile.importing import PackResult, pack_import
from asn.packfile.reading import pack_file_read
from core.folders import (
    file_away,
    make_shop_folders,
    misplaced_files,
    pass_lock,
    settled_files,
    shop_folder_ids,
)
from shops.models import Shop

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 10


@dataclass(frozen=True)
class InboxFile:
    """One file a pass handled: where it went, and its result (None: it was in no shop's
    folder, `report` says why)."""

    name: str
    moved_to: Path
    result: PackResult | None
    report: str


def _handle(path: Path, shop: Shop, done: Path, failed: Path) -> InboxFile:
    """Apply a file of the shop's folder within that shop only: its bill of lading is looked
    up among the shop's group shipments (another shop's draft with the same number neither
    receives the file nor blocks it)."""
    pack = pack_file_read(path.read_bytes())
    result = pack_import(shop=shop, pack=pack, source=PackSource.INBOX, name=path.name)
    report = result.report()
    target = file_away(path, done if result.ok else failed, report)
    return InboxFile(path.name, target, result, report)


def pack_inbox_process(
    *, directory: Path, settle_seconds: float = SETTLE_SECONDS
) -> list[InboxFile]:
    """Apply every settled `*.csv` in `<directory>/inbox/<shop id>/` to that shop (see
    `pack_import`) and file it in `done/<shop id>/` or `failed/<shop id>/` with
    `<name>.report.txt`; a file in no shop's folder goes to `failed/`, unread.

    Idempotent: a pass killed between applying a file and moving it leaves the file in the
    inbox, and the next pass finds the group shipment already packed so (unchanged, nothing
    written). A file whose application fails unexpectedly (the database is away) stays for
    the next pass without holding up the others. Overlapping passes skip (advisory lock).
    """
    inbox, done, failed = (directory / name for name in ("inbox", "done", "failed"))
    shops = {shop.pk: shop for shop in Shop.objects.all()}
    make_shop_folders(directory, list(shops))
    handled: list[InboxFile] = []
    with pass_lock("asn.pack_inbox") as got:
        if not got:
            logger.info("Another pass is reading %s; skipped.", inbox)
            return handled
        for path, report in misplaced_files(inbox, ".csv", settle_seconds, set(shops)):
            handled.append(InboxFile(path.name, file_away(path, failed, report), None, report))
        for shop_id in shop_folder_ids(inbox):
            shop = shops.get(shop_id)
            if shop is None:
                continue
            folder = str(shop_id)
            for path in settled_files(inbox / folder, ".csv", settle_seconds):
                try:
                    handled.append(_handle(path, shop, done / folder, failed / folder))
                except Exception:
                    logger.exception(
                        "Pack file %s could not be applied; it stays for the next pass.",
                        path.name,
                    )
                    continue
                logger.info("Pack file %s → %s", path.name, handled[-1].moved_to)
    return handled
