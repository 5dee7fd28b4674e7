"""The benches run from a fresh clone: no collectstatic, so no staticfiles manifest."""

import subprocess
import sys

from django.conf import settings

SCRIPT = """
import sys
sys.path.insert(0, "bench")
import orders_grid
from django.conf import settings

orders_grid.configure_environment("postgres://postgres@127.0.0.1:5432/shopctrl_bench_unused")
settings.STATIC_ROOT = sys.argv[1]  # as on a fresh clone: nothing collected there
orders_grid.setup_django()

from django.template.loader import render_to_string
from django.templatetags.static import static

print(static("shopctrl/app.css"))
assert "shopctrl/app.css" in render_to_string("base.html", {})
"""


def test_bench_settings_render_pages_without_a_staticfiles_manifest(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "/static/shopctrl/app.css"
