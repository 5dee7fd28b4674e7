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
    for volume in ("postgres-data", "redis-data", "beat-data"):
        assert volume in compose["volumes"]
    # Beat's schedule file outlives the container, so missed jobs are sent when it is back.
    schedule = next(a for a in services["beat"]["command"] if a.startswith("--schedule="))
    folder = schedule.removeprefix("--schedule=").rsplit("/", 1)[0]
    assert f"beat-data:{folder}" in services["beat"]["volumes"]
    assert f"mkdir -p {folder}" in (ROOT / "Dockerfile").read_text()  # owned by the app's user


def test_env_example_lists_every_setting_the_code_reads():
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', (ROOT / "shopctrl/settings.py").read_text()))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no settings found; did settings.py change how it reads the environment?"
    assert read - listed == set(), "add these to .env.example"


# --- Docker (no engine here: the files are read) ----------------------------------------------

SECRET_WORDS = re.compile(r"SECRET|PASSWORD|TOKEN|KEY|CREDENTIAL|REFRESH", re.I)


def _dockerignore() -> set[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return {line.strip().rstrip("/") for line in lines if line.strip() and line[0] != "#"}


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = _dockerignore()
    for entry in (".env", "var", ".venv", ".git", "staticfiles", "__pycache__", "db.sqlite3"):
        assert entry in ignored, entry
    assert ".env.*" in ignored and "!.env.example" in ignored


def test_dockerfile_holds_no_secret_in_arg_or_env_and_copies_no_env_file():
    dockerfile = (ROOT / "Dockerfile").read_text()
    lines = re.sub(r"\\\n", " ", dockerfile).splitlines()
    for line in lines:
        instruction, _, rest = line.strip().partition(" ")
        if instruction.upper() in ("ARG", "ENV"):
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)", rest)
            assert not any(SECRET_WORDS.search(name) for name in names), line
        if instruction.upper() in ("COPY", "ADD"):
            assert ".env" not in rest.split(), line


def test_the_dockerfiles_collectstatic_runs_without_any_real_secret(tmp_path):
    """The build's collectstatic step, with only what its RUN line sets: settings must load
    (SECRET_KEY and SECRETS_ENCRYPTION_KEYS are required without DEBUG)."""
    import subprocess
    import sys

    dockerfile = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    match = re.search(r"&& (DJANGO_DEBUG=false .*?) python manage\.py collectstatic", dockerfile)
    assert match, "the Dockerfile's collectstatic step moved; update this test"
    assignments = match.group(1).replace("python -c", f"{sys.executable} -c")
    check = f"{assignments} {sys.executable} -c 'import django; django.setup(); print(\"ok\")'"
    done = subprocess.run(
        [
            "env",
            "-i",
            "PATH=/usr/bin:/bin",
            f"HOME={tmp_path}",
            "DJANGO_SETTINGS_MODULE=shopctrl.settings",
            "bash",
            "-c",
            check,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.strip() == "ok", done.stderr[-2000:]
