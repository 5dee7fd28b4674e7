"""The watched folder: pick files dropped in a shop's folder `<dir>/inbox/<shop id>/` are
imported for that shop and moved to `done/<shop id>/` or `failed/<shop id>/` with a report
beside them; files outside a shop's folder go to `failed/` (see shopctrl/folders.py). The
beat job and `manage.py amazon1p_picks` run it.

Writers should write a file under another name (or elsewhere) and rename it into the inbox;
files changed in the last `SETTLE_SECONDS` are left for the next pass in case they are not.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

from amazon1p.picks.models import PickSource
from amazon1p.picks.services import PickResult, pick_import
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

SETTLE_SECONDS = 10  # a file younger than this may still be being written
FOLDER_LOCK = "amazon1p.pick_inbox"  # one pass at a time (see core.folders.pass_lock)


@dataclass(frozen=True)
class InboxFile:
    name: str
    moved_to: Path
    result: PickResult | None  # None: the file was in no shop's folder


def pick_inbox_process(
    *, directory: Path, settle_seconds: float = SETTLE_SECONDS
) -> list[InboxFile]:
    """Import every `*.csv` in `<directory>/inbox/<shop id>/` for that shop, then move it to
    `done/<shop id>/` (applied or a duplicate) or `failed/<shop id>/` (refused), with
    `<name>.report.txt` beside it; a file in no shop's folder goes to `failed/`, unread.

    A crash between the import and the move leaves the file in the inbox; the next pass finds
    its content applied and moves it as a duplicate, changing nothing. A file whose import
    fails unexpectedly stays for the next pass. Overlapping passes skip (advisory lock).
    """
    inbox, done, failed = (directory / name for name in ("inbox", "done", "failed"))
    shops = {shop.pk: shop for shop in Shop.objects.all()}
    make_shop_folders(directory, list(shops))
    handled: list[InboxFile] = []
    with pass_lock(FOLDER_LOCK) as got:
        if not got:
            logger.info("Another pass is reading %s; skipped.", inbox)
            return handled
        for path, report in misplaced_files(inbox, ".csv", settle_seconds, set(shops)):
            handled.append(InboxFile(path.name, file_away(path, failed, report), None))
        for shop_id in shop_folder_ids(inbox):
            shop = shops.get(shop_id)
            if shop is not None:
                handled += _shop_pass(shop, inbox, done, failed, settle_seconds)
    return handled


def _shop_pass(
    shop: Shop, inbox: Path, done: Path, failed: Path, settle_seconds: float
) -> list[InboxFile]:
    """The files of one shop's folder, imported for that shop only: a line naming another
    shop is a problem of the file (pick_import with `shop`), never a way into that shop."""
    folder = str(shop.pk)
    handled: list[InboxFile] = []
    for path in settled_files(inbox / folder, ".csv", settle_seconds):
        try:
            result = pick_import(
                content=path.read_bytes(),
                source=PickSource.FOLDER,
                filename=path.name,
                shop=shop,
            )
        except Exception:  # e.g. the database is away: the file stays for the next pass,
            logger.exception("Pick file %s could not be imported; retried.", path.name)
            continue  # and does not hold up the files after it
        target_folder = (done if result.ok else failed) / folder
        target = file_away(path, target_folder, result.pick_import.report)
        handled.append(InboxFile(path.name, target, result))
        logger.info("Pick file %s: %s", path.name, result.pick_import.status)
    return handled
