"""ShopCtrl project package; loading it also loads the Celery app for @shared_task."""

from shopctrl.celery import app as celery_app

__all__ = ["celery_app"]
