"""`manage.py check --deploy`: custom SP-API endpoints belong to the demo and the tests."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def custom_endpoints_check(app_configs, **kwargs) -> list[Warning]:
    if settings.SPAPI_ALLOW_CUSTOM_ENDPOINTS and not settings.DEBUG:
        return [
            Warning(
                "SPAPI_ALLOW_CUSTOM_ENDPOINTS is on: Shop Owner Admins may point a connection "
                "(and its stored LWA secrets) at any URL.",
                hint="Leave it off in production; only the demo and the tests need it.",
                id="amazon1p.W001",
            )
        ]
    return []
