"""`flask webhooks deliver [--loop]`: the worker that sends what the app queued for endpoints."""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from consent.core import worker
from consent.webhooks.delivery import BATCH, DeliveryReport, deliver_due

cli = AppGroup("webhooks", help="Send queued webhook deliveries to the endpoints.")

PASS_LIMIT = 200


def worker_lock_path() -> Path | None:
    """The lock file of a SQLite database's one webhook worker; None on PostgreSQL."""
    return worker.sqlite_lock_path(".webhooks.lock")


def only_worker():
    """On SQLite, refuse to run beside another webhook worker (no row locks to share rows)."""
    return worker.only_worker(
        ".webhooks.lock",
        lambda path: _(
            "Another webhook worker is already running for this SQLite database "
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
    """Send every webhook delivery that is due; failures are retried with backoff."""
    with only_worker():
        worker.run_passes(
            _one_pass,
            loop=loop,
            interval=interval,
            limit=PASS_LIMIT,
            echo=lambda report: click.echo(
                f"delivered {report.delivered}, failed {report.failed}, given up {report.given_up}"
            ),
        )
