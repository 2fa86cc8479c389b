"""The per-address sign-in limit holds across several app processes when its counts live in
Redis (production: gunicorn runs several workers), and does not with per-process memory.

Two real server processes share one Redis database (db 7, a key prefix unique to this run,
removed afterwards); one visitor alternates between them."""

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

from tests.accounts.accounts_helpers import PERSONAS, csrf_from
from tests.support import Processes, free_port

REDIS_URL = "redis://127.0.0.1:6379/7"
ROOT = Path(__file__).resolve().parents[2]
SERVE = """
import sys
from werkzeug.serving import make_server
from tests.support import make_app

url, port, storage, prefix = sys.argv[1:5]
app = make_app(
    url,
    SIGNIN_RATE_LIMIT="5 per minute",
    RATELIMIT_STORAGE_URI=storage,
    RATELIMIT_KEY_PREFIX=prefix,
)
make_server("127.0.0.1", int(port), app).serve_forever()
"""


@pytest.fixture
def prefix():
    value = f"consent-test-{uuid.uuid4().hex}"
    yield value
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{value}*"))
    if keys:
        client.delete(*keys)
    assert not list(client.scan_iter(match=f"*{value}*"))
    client.close()


def _wait_until_listening(
    port: int, processes: Processes, process: subprocess.Popen, deadline: float
) -> None:
    while time.monotonic() < deadline:
        if not processes.alive(process):
            raise RuntimeError(f"server on port {port} exited: {processes.stop(process)}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # polling a port for readiness, not waiting for a result
    raise TimeoutError(f"server on port {port} did not start")


@pytest.fixture
def servers(app, migrated, prefix, processes):
    """start(storage) → two base URLs of separate server processes with that limiter storage;
    the processes end with the test."""

    def start(storage: str) -> list[str]:
        ports = [free_port(), free_port()]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started = [
            processes.start(
                [sys.executable, "-c", SERVE, migrated, str(port), storage, prefix],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        deadline = time.monotonic() + 60
        for port, process in zip(ports, started, strict=True):
            _wait_until_listening(port, processes, process, deadline)
        return [f"http://127.0.0.1:{port}" for port in ports]

    return start


class Visitor:
    """One person's browser (one address, one cookie jar) talking to whichever server."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def sign_in(self, base: str, password: str) -> int:
        page = self.opener.open(f"{base}/signin", timeout=30).read().decode()
        body = urllib.parse.urlencode(
            {"csrf_token": csrf_from(page), "email": PERSONAS["maria"], "password": password}
        ).encode()
        try:
            with self.opener.open(f"{base}/signin", data=body, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


def statuses(bases: list[str], tries: int) -> list[int]:
    visitor = Visitor()
    return [visitor.sign_in(bases[n % 2], f"wrong guess {n}") for n in range(tries)]


def test_redis_makes_the_limit_hold_across_processes(servers, prefix):
    assert redis.Redis.from_url(REDIS_URL).ping()
    bases = servers(REDIS_URL)
    result = statuses(bases, 7)
    # Five posts a minute in all, whichever process serves them.
    assert result[:5] == [200] * 5
    assert result[5:] == [429, 429]
    client = redis.Redis.from_url(REDIS_URL)
    assert list(client.scan_iter(match=f"*{prefix}*"))
    client.close()


def test_with_memory_storage_each_process_counts_alone(servers):
    """Why production must use Redis: two workers with memory:// allow twice the limit."""
    bases = servers("memory://")
    assert statuses(bases, 7) == [200] * 7
