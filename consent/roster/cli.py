"""`flask roster import PATH [--dry-run]`: load the district's SIS export; `flask roster work
[--loop]`: the worker that imports what the upload page queued."""

import fcntl
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup

from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.roster.jobs import IMPORT_STEPS, claim_next, run_claimed, sweep_interrupted

cli = AppGroup("roster", help="The roster from the student information system.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Validate and summarise without writing.")
def import_command(path: str, dry_run: bool) -> None:
    """Import a OneRoster 1.1/1.2 CSV set or a School Data Sync v2.1 set (folder or zip)."""
    from consent.roster.operations import import_roster

    # Immediate on SQLite: the web app may commit while the import reads (see roster/jobs.py).
    with (
        immediate_transactions(),
        click.progressbar(
            length=len(IMPORT_STEPS),
            label="Importing",
            show_pos=True,
            item_show_func=lambda step: step or "",
        ) as bar,
    ):
        result = import_roster(
            path,
            today=clock.today(),
            dry_run=dry_run,
            progress=lambda step: bar.update(1, step),
        )
        db.session.commit()
    if result.problems:
        click.echo(
            f"The roster was not imported: {len(result.problems)} problems. Nothing changed."
        )
        for problem in result.problems:
            click.echo(f"  {problem}")
        sys.exit(1)
    click.echo("Dry run: nothing was written." if dry_run else "Roster imported.")
    for line in result.summary.lines():
        click.echo(f"  {line}")


class _Stopping:
    """SIGTERM/SIGINT end the loop once the import at hand is done (it is one transaction: a
    stop in the middle would only roll it back)."""

    def __init__(self):
        self.requested = False

    def __call__(self, signum, frame):
        self.requested = True


def worker_lock_path() -> Path | None:
    """The lock file of a SQLite database's one roster worker; None on PostgreSQL."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).resolve().with_name(Path(url.database).name + ".roster-worker.lock")


@contextmanager
def only_worker() -> Iterator[None]:
    """On SQLite, refuse to run beside another roster worker: both imports would wait for the
    one write lock, and the second would fail. The kernel drops the lock when a worker dies."""
    path = worker_lock_path()
    if path is None:
        yield
        return
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise click.ClickException(
                f"Another roster worker is already running for this SQLite database (lock file "
                f"{path}). Run one; several only on PostgreSQL."
            ) from None
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@cli.command("work")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
def work(loop: bool, interval: float) -> None:
    """Import the rosters uploaded on the upload page, oldest first, one at a time."""
    stopping = _Stopping()
    previous = [signal.signal(s, stopping) for s in (signal.SIGTERM, signal.SIGINT)] if loop else []
    try:
        with only_worker(), immediate_transactions():  # SQLite: the lock at BEGIN
            while True:
                if sweep_interrupted():
                    click.echo("roster imports interrupted earlier are marked failed")
                while not stopping.requested and (run_id := claim_next()) is not None:
                    click.echo(f"roster import {run_id}: {run_claimed(run_id)}")
                db.session.remove()
                if not loop or stopping.requested:
                    return
                time.sleep(interval)
    finally:
        for signum, handler in zip((signal.SIGTERM, signal.SIGINT), previous, strict=False):
            signal.signal(signum, handler)
