"""Fixtures for the reliability tests: a mail server that counts Message-IDs, one that accepts
connections and never answers, worker processes, and a private throw-away PostgreSQL cluster
that a test may stop and start (the shared one on 5432 is never touched)."""

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.IGNORECASE | re.MULTILINE)


class CountingSink:
    """A real SMTP server on loopback that counts how often it received each Message-ID."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.received: Counter[str] = Counter()
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        match = MESSAGE_ID.search(envelope.original_content)
        self.received[match.group(1).decode() if match else "<none>"] += 1
        return "250 Message accepted for delivery"

    def start(self) -> "CountingSink":
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()
            self._controller = None

    @property
    def total(self) -> int:
        return sum(self.received.values())


class Blackhole:
    """A port that accepts SMTP connections and never says a word (a hung mail server)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.accepted = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(16)
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self._open.append(conn)
            self.accepted.set()

    def stop(self) -> None:
        for conn in self._open:
            conn.close()
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def counting_sink():
    sink = CountingSink().start()
    yield sink
    sink.stop()


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a `flask` or `gunicorn` process running this checkout of the app."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "MAIL_", "FLASK_", "CONSENT_"))
    }
    env.update(
        PYTHONPATH=str(ROOT),
        CONSENT_ENV="development",
        DATABASE_URL=database_url,
        SECRET_KEY="reliability-secret",
        PUBLIC_URL="http://consent.test",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT="9",
        SESSION_COOKIE_SECURE="0",
        SIGNIN_RATE_LIMIT="100000 per minute",
    )
    env.update(extra)
    return env


def worker_command(*args: str) -> list[str]:
    return [str(BIN / "flask"), "--app", "wsgi", "notifications", "deliver", *args]


class PrivateCluster:
    """A PostgreSQL cluster of our own in a temporary folder, on a free loopback port."""

    def __init__(self):
        self.bindir = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        self.base = Path(tempfile.mkdtemp(prefix="consent-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()
        self.as_owner: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root: the cluster belongs to postgres
            shutil.chown(self.base, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_owner, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def remove(self) -> None:
        """Thrown away: no shutdown checkpoint to wait for."""
        with contextlib.suppress(subprocess.SubprocessError):
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def private_postgres():
    """Our own PostgreSQL to stop and start; the binaries ship with the server package here
    and in CI, so this never skips."""
    cluster = PrivateCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
