"""Real-browser tests: Debian's chromium driven by Playwright (no downloaded browser)."""

import os

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page(settings):
    # The live server serves static files from the finders, under their plain names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Playwright's sync API runs an event loop; Django must allow ORM use beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        yield page
        # While Playwright's event loop runs, Django hands this thread a separate database
        # connection (asgiref sees an async context). Close it here, inside that context, or
        # it keeps the test database busy at teardown.
        connections.close_all()
        browser.close()
