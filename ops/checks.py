"""Deployment checks for ops settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

MIN_TOKEN_LENGTH = 24


@register(Tags.security, deploy=True)
def metrics_token_check(app_configs, **kwargs):
    """A short METRICS_TOKEN can be guessed; /metrics shows shop ids and queue sizes."""
    token = settings.METRICS_TOKEN
    if token and len(token) < MIN_TOKEN_LENGTH:
        return [
            Warning(
                f"METRICS_TOKEN is shorter than {MIN_TOKEN_LENGTH} characters.",
                hint='Use e.g. python -c "import secrets; print(secrets.token_urlsafe(32))".',
                id="ops.W001",
            )
        ]
    return []
