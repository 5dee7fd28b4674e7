"""Template filters of the sync-runs pages."""

from datetime import timedelta

from django import template

from amazon1p.importing.selectors import sync_run_resume_outlook

register = template.Library()


def format_duration(value: timedelta | None) -> str:
    """A run's duration as people read it: "0 s", "42 s", "3 min 5 s", "2 h 4 min";
    "–" when there is none (a run not started)."""
    if value is None:
        return "–"
    seconds = max(0, int(value.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


register.filter("duration", format_duration)
register.filter("resume_outlook", sync_run_resume_outlook)
