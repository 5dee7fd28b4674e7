from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What ops see: /metrics, /readyz, /livez, JSON logs with context, the Operations page.

    Sits above every other app (it reads their rows); nothing imports it but settings, urls
    and celery's beat schedule."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from ops import checks, logs  # noqa: F401 (checks registers itself)

        logs.connect_task_signals()
        logs.connect_request_signals()
