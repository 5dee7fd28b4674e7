"""The fault suite's short version (bench/faults.py --short) in CI: on its own private
PostgreSQL and Redis, a worker killed mid-import and a Redis outage mid-import both end with
every PO stored once, no run left for dead longer than two minutes, and exact counters."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_short_fault_suite_loses_nothing_and_duplicates_nothing():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "faults.py"), "--short"],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = result.stdout[-6000:] + result.stderr[-6000:]
    assert result.returncode == 0, report
    assert "worker_kill" in result.stdout and "redis_outage" in result.stdout
