"""What every queue worker shares (`flask notifications deliver`, `flask webhooks deliver`,
`flask roster work`): one worker per SQLite database, a stop that waits for the item in hand,
and passes with a nap between them when the queue is empty."""

import dataclasses
import fcntl
import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import click

from consent.extensions import db


def sqlite_lock_path(suffix: str) -> Path | None:
    """The lock file of one kind of worker, beside a SQLite database's file; None on PostgreSQL,
    where row locks (FOR UPDATE SKIP LOCKED) let several workers share a queue."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().with_name(Path(url.database).name + suffix)


@contextmanager
def only_worker(suffix: str, refusal: Callable[[Path], str]) -> Iterator[None]:
    """On SQLite, refuse to run beside another worker of the same kind: without row locks two
    would take the same item. The lock is the kernel's, so it is released if a worker dies."""
    path = sqlite_lock_path(suffix)
    if path is None:
        yield
        return
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(refusal(path)) from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Stopping:
    """A stop signal asks the loop to end after the item in hand, never in the middle of one."""

    def __init__(self):
        self.requested = False

    def __call__(self, signum, frame):
        self.requested = True


@contextmanager
def stop_on(stopping: Stopping, *signals: signal.Signals) -> Iterator[None]:
    """`stopping` hears `signals` while the block runs; the previous handlers come back after."""
    previous = [signal.signal(signum, stopping) for signum in signals]
    try:
        yield
    finally:
        for signum, handler in zip(signals, previous, strict=True):
            signal.signal(signum, handler)


class PassReport(Protocol):
    @property
    def handled(self) -> int: ...


def drain(
    deliver_batch: Callable[..., PassReport],
    stopping: Stopping,
    *,
    empty: Callable[[], PassReport],
    batch: int,
    limit: int,
) -> PassReport:
    """One pass: up to `limit` items, `batch` at a time (so a stop request waits one batch at
    most), until fewer than a batch were due. The batches' reports (dataclasses of counts,
    `empty()` the zero) are added up field by field."""
    total = empty()
    while total.handled < limit and not stopping.requested:
        report = deliver_batch(limit=batch)
        for field in dataclasses.fields(total):
            setattr(total, field.name, getattr(total, field.name) + getattr(report, field.name))
        if report.handled < batch:
            break
    return total


def run_passes(
    one_pass: Callable[[Stopping], PassReport],
    *,
    loop: bool,
    interval: float,
    limit: int,
    echo: Callable[[PassReport], None],
) -> None:
    """Run `one_pass` once, or (with `loop`) until SIGTERM, napping `interval` seconds after a
    pass that emptied the queue (a full pass of `limit` items means more is waiting: no nap).
    `echo` prints what a pass did: always once, and in a loop only passes that did something."""
    stopping = Stopping()
    with stop_on(stopping, *((signal.SIGTERM,) if loop else ())):
        while True:
            report = one_pass(stopping)
            if report.handled or not loop:
                echo(report)
            if not loop or stopping.requested:
                return
            if report.handled < limit:
                time.sleep(interval)
            if stopping.requested:
                return
