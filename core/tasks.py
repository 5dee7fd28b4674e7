"""Typed access to the project's Celery base task.

shopctrl/celery.py makes `celery.contrib.django.task:DjangoTask` the class of every task, so
each one has `delay_on_commit`; celery-types types a `@shared_task` as the plain `Task`,
which has not. Callers use `delay_on_commit(task, ...)` to keep the task's argument types
checked.
"""

from typing import Any, ParamSpec, cast

from celery import Task
from celery.contrib.django.task import DjangoTask

P = ParamSpec("P")


def delay_on_commit(task: Task[P, Any], /, *args: P.args, **kwargs: P.kwargs) -> None:
    """Send `task` once the caller's transaction commits (at once outside a transaction);
    a rolled-back change sends nothing."""
    cast("DjangoTask[P, Any]", task).delay_on_commit(*args, **kwargs)
