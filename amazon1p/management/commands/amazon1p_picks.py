"""`python manage.py amazon1p_picks [--dir DIR]`: one pass over the pick-results inbox in the
foreground, as the beat job does, printing what happened to each file."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from amazon1p.picks.inbox import pick_inbox_process
from core.errors import PROBLEMS_SHOWN


class Command(BaseCommand):
    help = "Import the pick files waiting in <dir>/inbox/<shop id>/ (default: PICK_INBOX_DIR)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, help="The pick folder (holds inbox/)")
        parser.add_argument(
            "--settle",
            type=float,
            default=10,
            help="Skip files changed less than this many seconds ago (still being written)",
        )

    def handle(self, *args, **options) -> None:
        directory = options["dir"] or settings.PICK_INBOX_DIR
        handled = pick_inbox_process(directory=directory, settle_seconds=options["settle"])
        for item in handled:
            if item.result is None:
                self.stdout.write(f"{item.name}: in no shop's folder → {item.moved_to}")
                continue
            record = item.result.pick_import
            self.stdout.write(
                f"{item.name}: {record.get_status_display()} (pick import #{record.pk}) "
                f"→ {item.moved_to}"
            )
            for problem in item.result.problems[:PROBLEMS_SHOWN]:
                self.stdout.write(f"  {problem}")
        self.stdout.write(f"{len(handled)} file(s) handled in {directory / 'inbox'}.")
