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
