"""A watched folder's plumbing, independent of what the files hold: one pass at a time, files
that have stopped changing, and filing a file away with its report."""

import os
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection


@contextmanager
def pass_lock(name: str) -> Iterator[bool]:
    """Yields whether this pass may run: a PostgreSQL session advisory lock keyed by `name`,
    so overlapping passes (beat and a manual run, two workers) skip instead of importing a
    file twice; the lock goes with the session if the worker dies. Other databases (the
    SQLite demo) have a single beat and no such lock."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = zlib.crc32(name.encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (got,) = cursor.fetchone()
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def settled_files(folder: Path, suffix: str, settle_seconds: float) -> list[Path]:
    """The `suffix` files in `folder`, by name, leaving out those changed in the last
    `settle_seconds`: a writer that does not rename its file into place may still be at it."""
    now = time.time()
    return [
        path
        for path in sorted(folder.iterdir())
        if path.is_file()
        and path.suffix.lower() == suffix
        and now - path.stat().st_mtime >= settle_seconds
    ]


def file_away(path: Path, folder: Path, report: str) -> Path:
    """Move `path` into `folder` with `<stem>.report.txt` beside it (report first, each
    replaced atomically, so a crash never leaves a moved file without its report). A name
    taken by an earlier file gets a number: `<stem>.1<suffix>`."""
    target, number = folder / path.name, 0
    while target.exists() or target.with_suffix(".report.txt").exists():
        number += 1
        target = folder / f"{path.stem}.{number}{path.suffix}"
    report_path = target.with_suffix(".report.txt")
    partial = report_path.with_suffix(".part")
    partial.write_text(report + "\n", "utf-8")
    os.replace(partial, report_path)
    os.replace(path, target)
    return target


# --- One sub-folder per shop ------------------------------------------------------------------
# A watched folder is shared by every shop of the installation; what a file does is decided
# by the sub-folder it is dropped in (`inbox/<shop id>/`), never by what the file says, so a
# file can only ever touch the shop whose folder it is in. `done/` and `failed/` keep the
# same sub-folders. Files dropped in `inbox/` itself, or in a folder that is no shop's id,
# are filed in `failed/` with a report saying where they belong.


def shop_folder_ids(inbox: Path) -> list[int]:
    """The shop ids that have a sub-folder in `inbox` (folders named by a number), sorted."""
    return sorted(
        int(path.name) for path in inbox.iterdir() if path.is_dir() and path.name.isdigit()
    )


def make_shop_folders(directory: Path, shop_ids: list[int]) -> None:
    """`inbox/<id>`, `done/<id>` and `failed/<id>` for each shop, so writers find their
    folder before the first file."""
    for name in ("inbox", "done", "failed"):
        (directory / name).mkdir(parents=True, exist_ok=True)
        for shop_id in shop_ids:
            (directory / name / str(shop_id)).mkdir(exist_ok=True)


def misplaced_files(inbox: Path, suffix: str, settle_seconds: float, known: set[int]):
    """(file, report) for each settled file that no shop's sub-folder holds: in `inbox`
    itself, or in a numbered folder of no shop."""
    found = [
        (path, "it is not in a shop's folder")
        for path in settled_files(inbox, suffix, settle_seconds)
    ]
    for shop_id in shop_folder_ids(inbox):
        if shop_id not in known:
            found += [
                (path, f"no shop has the id {shop_id}")
                for path in settled_files(inbox / str(shop_id), suffix, settle_seconds)
            ]
    return [
        (
            path,
            f"{path.name}: refused, for no shop ({reason}). Nothing was changed.\n"
            f"Put each shop's files in {inbox.name}/<shop id>/ (the shop's id is in its "
            "web address: /shops/<id>/).",
        )
        for path, reason in found
    ]
