"""`flask notifications deliver [--loop]`: the worker that emails what the app queued."""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from consent.core import worker
from consent.notifications.operations import BATCH, DeliveryReport, deliver_due

cli = AppGroup("notifications", help="Deliver queued notifications by email.")

PASS_LIMIT = 500


def worker_lock_path() -> Path | None:
    """The lock file of a SQLite database's one notification worker; None on PostgreSQL."""
    return worker.sqlite_lock_path(".worker.lock")


def only_worker():
    """On SQLite, refuse to run beside another worker: it would send the same message twice."""
    return worker.only_worker(
        ".worker.lock",
        lambda path: _(
            "Another notification worker is already running for this SQLite database "
            "(lock file %(path)s). SQLite allows only one; run several workers only on "
            "PostgreSQL.",
            path=path,
        ),
    )


def _one_pass(stopping: worker.Stopping) -> DeliveryReport:
    return worker.drain(deliver_due, stopping, empty=DeliveryReport, batch=BATCH, limit=PASS_LIMIT)


@cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def deliver(loop: bool, interval: float) -> None:
    """Send every pending notification that is due; failures are retried with backoff."""
    with only_worker():
        worker.run_passes(
            _one_pass,
            loop=loop,
            interval=interval,
            limit=PASS_LIMIT,
            echo=lambda report: click.echo(f"sent {report.sent}, failed {report.failed}"),
        )


@cli.command("sink")
@click.option("--port", default=8025, show_default=True)
@click.option("--directory", default="instance/mail", show_default=True, type=click.Path())
def sink(port: int, directory: str) -> None:
    """Run a local mail sink for the demo: messages become .eml files in DIRECTORY."""
    from consent.notifications.sink import serve

    click.echo(f"mail sink on 127.0.0.1:{port}, writing to {directory}/")
    serve(Path(directory), port)
