"""The test harness keeps its promises, with and without pytest-xdist workers: personal data in
an app log line fails the whole run (the log scan runs inside each worker; the run's controller
adds up what the workers found).

Each case runs a small suite in a pytest of its own, on this suite's conftest."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """pytest on `folder`'s test files with tests/conftest.py as a plugin, outside this run
    (none of its workers, database or options)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DATABASE_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"]
        + ["--rootdir", str(folder), *args, str(folder)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- the log scan fails the run ------------------------------------------------------------

LOGGING_TESTS = """
import logging

log = logging.getLogger("consent.accounts")

def test_logs_an_email_address():
    log.warning("password reset sent to someone@example.org")

def test_logs_only_ids():
    log.warning("password reset sent to account 7")
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "two xdist workers"])
def test_an_email_address_in_a_log_line_fails_the_run(tmp_path, workers):
    (tmp_path / "test_logging.py").write_text(LOGGING_TESTS)
    result = run_pytest(tmp_path, *workers)
    out = result.stdout
    assert result.returncode == 1, out[-3000:] + result.stderr[-3000:]
    assert "2 passed" in out  # every test passed: the scan alone fails the run
    assert "personal data or secrets in the logs" in out
    assert "email address in log line 'consent.accounts: password reset sent to" in out
    assert "account 7" not in out
    assert "Logs: app log lines scanned for personal data and secrets: 2" in out
