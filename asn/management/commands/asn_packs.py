"""`python manage.py asn_packs [--dir DIR]`: one pass over the pack inbox in the foreground,
as the beat job does, printing what became of each file."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from asn.packfile import pack_inbox_process
from asn.packfile.inbox import SETTLE_SECONDS


class Command(BaseCommand):
    help = "Apply the pack files waiting in <dir>/inbox/<shop id>/ (default: PACK_INBOX_DIR)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, help="The pack folder (holds inbox/)")
        parser.add_argument(
            "--settle",
            type=float,
            default=SETTLE_SECONDS,
            help="Skip files changed less than this many seconds ago (still being written)",
        )

    def handle(self, *args, **options) -> None:
        directory = options["dir"] or settings.PACK_INBOX_DIR
        handled = pack_inbox_process(directory=directory, settle_seconds=options["settle"])
        for item in handled:
            self.stdout.write(f"{item.name} → {item.moved_to}")
            self.stdout.write("".join(f"  {line}\n" for line in item.report.splitlines()[:21]))
        self.stdout.write(f"{len(handled)} file(s) handled in {directory / 'inbox'}.")
