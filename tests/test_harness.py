"""The test harness keeps its promises, with and without pytest-xdist workers: a test that fails
leaves no process it started behind, and personal data in an app log line fails the whole run
(the log scan runs inside each worker; the run's controller adds up what the workers found).

Each case runs a small suite in a pytest of its own, on this suite's conftest."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The inner runs always use their own SQLite file: `.ci/run` runs these once, not per database.
pytestmark = pytest.mark.own_database


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


# --- no process left behind ----------------------------------------------------------------

# Started by the test: writes its own and its child's pid and start time, then both wait, the
# way a gunicorn master and its worker, or a notification worker, wait for work.
SERVER = """
import os, subprocess, sys, time
from pathlib import Path

def started(pid):
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]

child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
me = os.getpid()
scratch = Path(sys.argv[1] + ".tmp")
scratch.write_text(f"{child.pid} {started(child.pid)}\\n{me} {started(me)}")
scratch.replace(sys.argv[1])
time.sleep(600)
"""

FAILING_TEST = f"""
import sys, time
from pathlib import Path

SERVER = {SERVER!r}

def test_fails_while_its_processes_run(processes):
    pids = Path(__file__).with_name("pids")
    processes.start([sys.executable, "-c", SERVER, str(pids)])
    deadline = time.monotonic() + 60
    while not pids.exists():
        assert time.monotonic() < deadline, "the server never started"
        time.sleep(0.05)
    raise AssertionError("the test failed while its server ran")
"""


def _running(pid: str, started: str) -> bool:
    """That very process (not a later one given the same pid) exists and is not a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[19] == started and fields[0] != "Z"


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["one process", "xdist worker"])
def test_a_failing_test_leaves_no_process_behind(tmp_path, workers):
    (tmp_path / "test_server.py").write_text(FAILING_TEST)
    result = run_pytest(tmp_path, *workers)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 failed" in result.stdout
    assert "the test failed while its server ran" in result.stdout

    pids = [line.split() for line in (tmp_path / "pids").read_text().splitlines()]
    assert len(pids) == 2, "the server and the process it started"
    deadline = time.monotonic() + 10  # SIGKILL is sent; the kernel finishes the job
    while any(_running(pid, started) for pid, started in pids):
        assert time.monotonic() < deadline, f"still running after the failed test: {pids}"
        time.sleep(0.05)


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


def test_the_live_server_stops_only_after_the_requests_it_is_answering():
    """A browser test ends with a request still in flight (the favicon of the last page); the
    app must not be torn down under it, or the request leaks an open file into a later test."""
    import threading
    import urllib.request

    from tests.support import LiveServer

    started, release, answered = threading.Event(), threading.Event(), []

    def slow_app(environ, start_response):
        started.set()
        release.wait(5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        answered.append(environ["PATH_INFO"])
        return [b"ok"]

    server = LiveServer(slow_app).start()
    url = server.url + "/favicon.svg"
    client = threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=10).read())  # noqa: S310
    client.start()
    assert started.wait(5)
    threading.Timer(1.0, release.set).start()  # after shutdown()'s half-second poll
    server.stop()
    assert answered == ["/favicon.svg"], "stop() returned while a request was being answered"
    client.join(5)


def test_the_live_server_closes_a_response_whose_browser_has_gone():
    """A browser that resets the connection while the server still reads from it (as Chromium
    does when it moves on from a redirect) makes Werkzeug skip the response's close(): its open
    file or connection is then reported by the garbage collector in some later test."""
    import socket
    import struct
    import threading

    from tests.support import LiveServer

    closed = threading.Event()

    class Body:
        def __iter__(self):
            yield b"moved"

        def close(self):
            closed.set()

    def app(environ, start_response):
        start_response("302 Found", [("Location", "/requests")])
        return Body()

    server = LiveServer(app).start()
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as browser:
        # More bytes than the request: the server is left reading them after it answers.
        browser.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\nGET /favicon.svg")
        assert browser.recv(100).startswith(b"HTTP/1.1 302")
        # Linger 0: closing sends a reset, as a browser moving on to the next page does.
        browser.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    server.stop()
    assert closed.wait(2), "the response was never closed"
