"""docker-compose.yml and .env.example stay in step with the code.

No Docker engine runs on the development and CI machines, so `docker compose config` cannot
run here; this test checks what it would, plus that the commands name real modules.
"""

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_compose_defines_the_stack_with_working_commands():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "."
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
        assert set(service["depends_on"]) == {"postgres", "redis"}
    assert "gunicorn shopctrl.wsgi" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "shopctrl", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "shopctrl", "beat"]
    for volume in ("postgres-data", "redis-data"):
        assert volume in compose["volumes"]


def test_env_example_lists_every_setting_the_code_reads():
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', (ROOT / "shopctrl/settings.py").read_text()))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no settings found; did settings.py change how it reads the environment?"
    assert read - listed == set(), "add these to .env.example"
