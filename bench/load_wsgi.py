"""The WSGI app bench/load.py serves with gunicorn: production settings (from the
environment load.py sets) with bench/orders_grid.py's static-files storage, which needs no
collectstatic manifest, so the load test runs from a fresh clone too."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopctrl.settings")

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from orders_grid import BENCH_STATICFILES_STORAGE

settings.STORAGES = {**settings.STORAGES, "staticfiles": BENCH_STATICFILES_STORAGE}
application = get_wsgi_application()
