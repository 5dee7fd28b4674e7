"""Liveness marks of processes that have no rows of their own (beat)."""

from django.db import models


class Heartbeat(models.Model):
    """The last time a periodic process proved it runs: beat writes `beat` every minute.

    In the database rather than the cache because the demo's cache is per process (locmem)
    while beat, workers and web are separate processes."""

    name = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S}"
