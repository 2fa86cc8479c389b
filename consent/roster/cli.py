"""`flask roster import PATH [--dry-run]`: load the district's SIS export; `flask roster work
[--loop]`: the worker that imports what the upload page queued."""

import signal
import sys
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from consent.core import clock, worker
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


def worker_lock_path() -> Path | None:
    """The lock file of a SQLite database's one roster worker; None on PostgreSQL."""
    return worker.sqlite_lock_path(".roster-worker.lock")


def only_worker():
    """On SQLite, refuse to run beside another roster worker: both imports would wait for the
    one write lock, and the second would fail."""
    return worker.only_worker(
        ".roster-worker.lock",
        lambda path: (
            f"Another roster worker is already running for this SQLite database (lock file "
            f"{path}). Run one; several only on PostgreSQL."
        ),
    )


@cli.command("work")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
def work(loop: bool, interval: float) -> None:
    """Import the rosters uploaded on the upload page, oldest first, one at a time."""
    # A stop waits for the import at hand: it is one transaction, and a stop in the middle
    # would only roll it back.
    stopping = worker.Stopping()
    signals = (signal.SIGTERM, signal.SIGINT) if loop else ()
    with worker.stop_on(stopping, *signals), only_worker(), immediate_transactions():
        while True:
            if sweep_interrupted():
                click.echo("roster imports interrupted earlier are marked failed")
            while not stopping.requested and (run_id := claim_next()) is not None:
                click.echo(f"roster import {run_id}: {run_claimed(run_id)}")
            db.session.remove()
            if not loop or stopping.requested:
                return
            time.sleep(interval)
