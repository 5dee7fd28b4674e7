"""The watched folder: pick files dropped in `<dir>/inbox` are imported and moved to `done/`
or `failed/` with a report beside them. The beat job and `manage.py amazon1p_picks` run it.

Writers should write a file under another name (or elsewhere) and rename it into the inbox;
files changed in the last `SETTLE_SECONDS` are left for the next pass in case they are not.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

from amazon1p.acknowledgements.picks.importing import PickResult, pick_import
from amazon1p.models import PickSource
from shopctrl.folders import file_away, pass_lock, settled_files

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 10  # a file younger than this may still be being written
FOLDER_LOCK = "amazon1p.pick_inbox"  # one pass at a time (see shopctrl.folders.pass_lock)


@dataclass(frozen=True)
class InboxFile:
    name: str
    moved_to: Path
    result: PickResult


def pick_inbox_process(
    *, directory: Path, settle_seconds: float = SETTLE_SECONDS
) -> list[InboxFile]:
    """Import every `*.csv` in `<directory>/inbox`, then move it to `done/` (applied or a
    duplicate) or `failed/` (refused), with `<name>.report.txt` beside it.

    A crash between the import and the move leaves the file in the inbox; the next pass finds
    its content applied and moves it as a duplicate, changing nothing. A file whose import
    fails unexpectedly stays for the next pass. Overlapping passes skip (advisory lock).
    """
    inbox, done, failed = (directory / name for name in ("inbox", "done", "failed"))
    for folder in (inbox, done, failed):
        folder.mkdir(parents=True, exist_ok=True)
    handled: list[InboxFile] = []
    with pass_lock(FOLDER_LOCK) as got:
        if not got:
            logger.info("Another pass is reading %s; skipped.", inbox)
            return handled
        for path in settled_files(inbox, ".csv", settle_seconds):
            try:
                result = pick_import(
                    content=path.read_bytes(), source=PickSource.FOLDER, filename=path.name
                )
            except Exception:  # e.g. the database is away: the file stays for the next pass,
                logger.exception("Pick file %s could not be imported; retried.", path.name)
                continue  # and does not hold up the files after it
            target = file_away(path, done if result.ok else failed, result.pick_import.report)
            handled.append(InboxFile(path.name, target, result))
            logger.info("Pick file %s: %s", path.name, result.pick_import.status)
    return handled
