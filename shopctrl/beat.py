"""Celery beat's scheduler, with one change: a job the broker refused is sent again on the
next tick, instead of being skipped until its next due time.

What Celery 5.7 does (celery/beat.py), and so what this changes:

* **Beat down, then restarted with its schedule file** (`PersistentScheduler`, the default):
  each entry's `last_run_at` is kept in the file, so an entry whose due time passed while
  beat was down is due at once when it starts again, and is sent once (not once per missed
  time; `beat_cron_starting_deadline`, unset here, would drop misses older than it).
  Without the file (a new container without a volume for it) every entry starts from
  "now" and nothing missed is sent. The file is written every `beat_sync_every` sends (we
  set 1: shopctrl/celery.py) and when beat stops.
* **Beat up, broker down at the due time**: `Scheduler.tick` advances the entry
  (`reserve`: `last_run_at` = now) *before* it sends it, and `apply_entry` only logs the
  send's error ("Message Error"). The entry is then not due until its next time: a daily
  job is skipped for a day, Monday's weekly summary for a week. If beat's connection to
  the broker was never made (beat started during the outage), the send's error escapes
  `tick` and beat exits, with the advanced entry saved to the file.

`RetryingScheduler` keeps an entry as it was before the advance until its send succeeds.
When the send fails, the entry goes back (its `last_run_at` is the last successful send,
also in the file, so a restart meanwhile sends it too), and the next tick, in
`send_retry_interval` seconds, sends it again; once the broker takes it, the entry advances
as usual and the job is sent once. A message whose send raised although the broker stored
it would be sent twice: beat's jobs are idempotent (shopctrl/celery.py), so at least once
is enough.
"""

import logging
from typing import Any

from celery.beat import PersistentScheduler, ScheduleEntry

logger = logging.getLogger(__name__)


class RetryingScheduler(PersistentScheduler):
    """`PersistentScheduler` that sends a due job again while the broker refuses it."""

    #: Seconds between tries while the broker refuses (each failed try takes about a
    #: second: kombu's own publish retries).
    send_retry_interval = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # entry name → the entry as it was before `reserve` advanced it, until it is sent
        self._unsent: dict[str | None, ScheduleEntry] = {}
        super().__init__(*args, **kwargs)

    def reserve(self, entry: ScheduleEntry) -> Any:  # the advanced entry (the stubs say event_t)
        self._unsent.setdefault(entry.name, entry)
        return super().reserve(entry)

    def apply_async(
        self, entry: ScheduleEntry, producer: Any = None, advance: bool = True, **kwargs: Any
    ) -> Any:
        result = super().apply_async(entry, producer=producer, advance=advance, **kwargs)
        self._unsent.pop(entry.name, None)  # the broker has it
        return result

    def tick(self, *args: Any, **kwargs: Any) -> float:
        try:
            delay = float(super().tick(*args, **kwargs))
        except Exception:
            if not self._unsent:
                raise
            # The broker connection itself could not be made: Celery would let beat exit.
            logger.exception("beat: the broker cannot be reached")
            delay = float(self.max_interval or self.send_retry_interval)
        if not self._unsent:
            return delay
        for name, entry in self._unsent.items():
            if name in self.schedule:  # (unless the schedule dropped it meanwhile)
                self.schedule[name] = entry
            logger.warning(
                "beat: %s (%s) was not sent; sending it again in %.0f s",
                name,
                entry.task,
                self.send_retry_interval,
            )
        self._unsent.clear()
        self._heap = None  # rebuilt from last_run_at on the next tick: the job is due at once
        self.sync()  # and stays due in the file, should beat stop meanwhile
        return min(self.send_retry_interval, delay or self.send_retry_interval)
