"""The watched folder: pick files dropped in `<dir>/inbox` are imported and moved to `done/`
or `failed/` with a report beside them. The beat job and `manage.py amazon1p_picks` run it.

Writers should write a file under another name (or elsewhere) and rename it into the inbox;
files changed in the last `SETTLE_SECONDS` are left for the next pass in case they are not.
"""

import logging
import os
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.utils import timezone

from amazon1p.acknowledgements.picks.importing import PickResult, pick_import
from amazon1p.models import PickSource

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 10  # a file younger than this may still be being written
_FOLDER_LOCK = zlib.crc32(b"amazon1p.pick_inbox")


@dataclass(frozen=True)
class InboxFile:
    name: str
    moved_to: Path
    result: PickResult


@contextmanager
def _folder_lock() -> Iterator[bool]:
    """One folder pass at a time (PostgreSQL session advisory lock; freed if the worker
    dies). SQLite (the demo) has one beat and no such lock."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_FOLDER_LOCK])
        got = cursor.fetchone()[0]
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_FOLDER_LOCK])


def _free_name(directory: Path, name: str) -> Path:
    target = directory / name
    if not target.exists():
        return target
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    return directory / f"{Path(name).stem}.{stamp}{Path(name).suffix}"


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
    with _folder_lock() as got:
        if not got:
            logger.info("Another pass is reading %s; skipped.", inbox)
            return handled
        for path in sorted(inbox.iterdir()):
            if path.suffix.lower() != ".csv" or not path.is_file():
                continue
            if time.time() - path.stat().st_mtime < settle_seconds:
                continue
            try:
                result = pick_import(
                    content=path.read_bytes(), source=PickSource.FOLDER, filename=path.name
                )
            except Exception:  # e.g. the database is away: the file stays for the next pass,
                logger.exception("Pick file %s could not be imported; retried.", path.name)
                continue  # and does not hold up the files after it
            target = _free_name(done if result.ok else failed, path.name)
            report = target.with_suffix(".report.txt")
            report.with_suffix(".tmp").write_text(result.pick_import.report + "\n", "utf-8")
            os.replace(report.with_suffix(".tmp"), report)
            os.replace(path, target)
            handled.append(InboxFile(path.name, target, result))
            logger.info("Pick file %s: %s", path.name, result.pick_import.status)
    return handled
