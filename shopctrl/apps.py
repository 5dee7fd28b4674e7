from django.apps import AppConfig


class ShopCtrlConfig(AppConfig):
    """The project: settings, URLs, Celery, and the demo that composes every app's demo.

    The top of the arrows (docs/architecture.md): it may import every app, no app imports it.
    """

    name = "shopctrl"
    verbose_name = "ShopCtrl"
