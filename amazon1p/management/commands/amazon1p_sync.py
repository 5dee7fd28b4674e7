"""`python manage.py amazon1p_sync SHOP --kind new|changed|missing|historical`: one sync run in
the foreground, with a progress bar and the run's summary."""

from datetime import UTC, datetime, time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from amazon1p.importing.models import WAITING_SYNC_STATUSES, SyncKind, SyncRun, SyncStatus
from amazon1p.importing.services import sync_run_request
from amazon1p.importing.sync import sync_run_execute, sync_run_is_stale, sync_run_waiting_behind
from amazon1p.templatetags.amazon1p_sync import format_duration
from core.errors import PROBLEMS_SHOWN, ShopCtrlError
from shops.models import Shop


def _date(value: str) -> datetime:
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time(), UTC)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Run one Amazon 1P sync for a shop (id or name) in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("shop", help="Shop id or exact name")
        parser.add_argument("--kind", choices=[k.value for k in SyncKind], default="new")
        parser.add_argument("--since", type=_date, help="Range start, YYYY-MM-DD (UTC)")
        parser.add_argument("--until", type=_date, help="Range end, YYYY-MM-DD (UTC)")

    def _shop(self, value: str) -> Shop:
        shop = Shop.objects.filter(pk=int(value)).first() if value.isdigit() else None
        shop = shop or Shop.objects.filter(name=value).first()
        if shop is None:
            raise CommandError(f"No shop {value!r}.")
        return shop

    def _progress(self, run: SyncRun) -> None:
        total = max(run.windows_total, 1)
        width = 30
        filled = int(width * run.windows_done / total)
        bar = "#" * filled + "-" * (width - filled)
        self.stdout.write(
            f"\r[{bar}] {run.windows_done}/{run.windows_total} windows · "
            f"{run.new_count} new · {run.changed_count} changed · "
            f"{run.unchanged_count} unchanged · {run.failed_count} failed",
            ending="",
        )
        self.stdout.flush()

    def _in_the_way(self, shop: Shop, kind: SyncKind) -> str | None:
        """Why this run cannot start now: another kind's run of the shop is running (a shop
        runs one sync at a time; a queued one of another kind waits behind this one)."""
        running = SyncRun.objects.filter(shop=shop, status=SyncStatus.RUNNING).first()
        if running is None or running.kind == kind or sync_run_is_stale(running):
            return None
        return (
            f"Run #{running.pk} ({running.get_kind_display()}, running) is in the way: a shop "
            f"runs one sync at a time, and it is not a {kind.label.lower()} run. Let it "
            "finish, then ask again."
        )

    def _other_range(self, run: SyncRun, kind: SyncKind, options) -> str | None:
        """Why the active run of the kind asked for is not the one asked for (None: it is)."""
        asked = (options["since"], options["until"])
        if kind == SyncKind.HISTORICAL and asked != (run.range_from, run.range_to):
            return (
                f"Run #{run.pk} (Historical import of {run.range_from:%Y-%m-%d} – "
                f"{run.range_to:%Y-%m-%d}, {run.get_status_display().lower()}) is in the way "
                "of this range; let it finish, then ask again."
            )
        return None

    def handle(self, *args, **options) -> None:
        shop = self._shop(options["shop"])
        kind = SyncKind(options["kind"])
        problem = self._in_the_way(shop, kind)
        if problem:
            raise CommandError(problem)
        try:
            run, created = sync_run_request(
                shop=shop,
                kind=kind,
                range_from=options["since"],
                range_to=options["until"],
                enqueue=False,
            )
        except ShopCtrlError as exc:
            raise CommandError(exc.message) from None
        if not created:
            # Never go on with another range's run under this one's name.
            problem = self._other_range(run, kind, options)
            if problem:
                raise CommandError(problem)
            if not sync_run_is_stale(run) and run.status not in WAITING_SYNC_STATUSES:
                raise CommandError(f"Run #{run.pk} ({run.get_kind_display()}) is already running.")
            self.stdout.write(f"Taking over run #{run.pk} ({run.get_kind_display()}).")
        try:
            # Final: nobody retries a foreground run, so Amazon staying unavailable fails it.
            done = sync_run_execute(run_id=run.pk, on_progress=self._progress, final=True)
        except KeyboardInterrupt:
            # Interrupted runs are resumed (from `resume_from`) by a worker the watchdog hands
            # them to, as when a worker dies.
            SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(
                status=SyncStatus.INTERRUPTED,
                heartbeat_at=timezone.now(),
                error="Interrupted: stopped with Ctrl-C in manage.py amazon1p_sync; what was "
                "stored stays, and a worker resumes the run from there.",
            )
            raise CommandError(f"Run #{run.pk} interrupted.") from None
        self.stdout.write("")
        if done is None:
            behind = sync_run_waiting_behind(SyncRun.objects.get(pk=run.pk))
            if behind is not None:
                raise CommandError(
                    f"Run #{run.pk} waits behind run #{behind.pk} "
                    f"({behind.get_kind_display()}); a worker starts it when that one ends."
                )
            raise CommandError(f"Run #{run.pk} is being run by another worker.")
        self.stdout.write(
            f"Run #{done.pk} {done.get_status_display()}: {done.new_count} new, "
            f"{done.changed_count} changed, {done.unchanged_count} unchanged, "
            f"{done.failed_count} failed; {done.pages} pages, {done.api_calls} API calls, "
            f"{done.throttled} throttled, {done.retries} retries, "
            f"{format_duration(done.duration)}."
        )
        if done.note:
            self.stdout.write(f"Note: {done.note}")
        for error in done.errors.all()[:PROBLEMS_SHOWN]:
            self.stdout.write(f"  {error.po_number or '-'}: {error.message}")
        if done.status == SyncStatus.FAILED:
            raise CommandError(f"Run #{done.pk} failed: {done.error}")
