"""The independent wire-format checker, and `manage.py vendor_simulator` as people run it."""

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from simulator import MODELS_DIR
from tests.support.simulator import running_simulator

CHECKER = Path(settings.BASE_DIR).parent / "shared/tools/check_simulator_wire.py"


# CI always has ../shared beside the clone: there a missing checker must fail, not skip.
@pytest.mark.skipif(
    not CHECKER.exists() and not os.environ.get("CI"),
    reason=f"wire checker not found at {CHECKER} (outside CI)",
)
def test_independent_wire_checker_passes() -> None:
    with running_simulator(seed=21) as running:
        result = subprocess.run(
            [sys.executable, str(CHECKER), running.base_url, str(MODELS_DIR)],
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problems" in result.stdout


def test_management_command_serves_until_interrupted() -> None:
    command = [
        sys.executable,
        "manage.py",
        "vendor_simulator",
        "--port=0",
        "--seed=4",
        "--no-rate-limits",
        "--vendor-codes=VNDR1,VNDR2",
        "--error-rate=0.1",
        "--transaction-delay=1.5",
    ]
    env = {**os.environ, "DJANGO_DEBUG": "true"}
    with subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            banner = process.stdout.readline()
            base_url = re.search(r"Vendor Central simulator on (http://\S+)", banner)
            assert base_url, banner
            with urllib.request.urlopen(f"{base_url[1]}/_simulator/config", timeout=5) as reply:
                config = json.load(reply)
        finally:
            process.terminate()
            process.wait(timeout=10)

    assert config["seed"] == 4 and config["rate_limits"] is False
    assert config["vendor_codes"] == ["VNDR1", "VNDR2"]
    assert config["error_rate"] == 0.1 and config["transaction_delay"] == 1.5
    assert process.returncode == 0


def test_management_command_rejects_bad_rates() -> None:
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("vendor_simulator", "--error-rate=2")
