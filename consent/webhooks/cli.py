"""`flask webhooks deliver [--loop]`: the worker that sends what the app queued for endpoints."""

import fcntl
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from consent.extensions import db
from consent.webhooks.delivery import BATCH, DeliveryReport, deliver_due

cli = AppGroup("webhooks", help="Send queued webhook deliveries to the endpoints.")

PASS_LIMIT = 200


def worker_lock_path() -> Path | None:
    """The lock file of a SQLite database's one webhook worker; None on PostgreSQL, where row
    locks (FOR UPDATE SKIP LOCKED) let several workers share the outbox."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().with_name(Path(url.database).name + ".webhooks.lock")


@contextmanager
def only_worker() -> Iterator[None]:
    """On SQLite, refuse to run beside another webhook worker (no row locks to share rows)."""
    path = worker_lock_path()
    if path is None:
        yield
        return
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(
                _(
                    "Another webhook worker is already running for this SQLite database "
                    "(lock file %(path)s). SQLite allows only one; run several workers only on "
                    "PostgreSQL.",
                    path=path,
                )
            ) from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _Stopping:
    """SIGTERM/SIGINT end the loop after the delivery being sent, never in the middle of one."""

    def __init__(self):
        self.requested = False

    def __call__(self, signum, frame):
        self.requested = True


def _one_pass(stopping: _Stopping) -> DeliveryReport:
    total = DeliveryReport()
    while total.handled < PASS_LIMIT and not stopping.requested:
        report = deliver_due(limit=BATCH)
        total.delivered += report.delivered
        total.failed += report.failed
        total.given_up += report.given_up
        if report.handled < BATCH:
            break
    return total


@cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def deliver(loop: bool, interval: float) -> None:
    """Send every webhook delivery that is due; failures are retried with backoff."""
    stopping = _Stopping()
    previous = signal.signal(signal.SIGTERM, stopping) if loop else None
    try:
        with only_worker():
            while True:
                report = _one_pass(stopping)
                if report.handled or not loop:
                    click.echo(
                        f"delivered {report.delivered}, failed {report.failed}, "
                        f"given up {report.given_up}"
                    )
                if not loop or stopping.requested:
                    return
                if report.handled < PASS_LIMIT:
                    time.sleep(interval)
                if stopping.requested:
                    return
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
