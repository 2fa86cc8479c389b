"""`flask notifications deliver [--loop]`: the worker that emails what the app queued."""

import time
from pathlib import Path

import click
from flask.cli import AppGroup

from consent.notifications.operations import deliver_due

cli = AppGroup("notifications", help="Deliver queued notifications by email.")


@cli.command("deliver")
@click.option("--loop", is_flag=True, help="Keep running as a worker.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def deliver(loop: bool, interval: float) -> None:
    """Send every pending notification that is due; failures are retried with backoff."""
    while True:
        report = deliver_due()
        if report.sent or report.failed or not loop:
            click.echo(f"sent {report.sent}, failed {report.failed}")
        if not loop:
            return
        time.sleep(interval)


@cli.command("sink")
@click.option("--port", default=8025, show_default=True)
@click.option("--directory", default="instance/mail", show_default=True, type=click.Path())
def sink(port: int, directory: str) -> None:
    """Run a local mail sink for the demo: messages become .eml files in DIRECTORY."""
    from consent.notifications.sink import serve

    click.echo(f"mail sink on 127.0.0.1:{port}, writing to {directory}/")
    serve(Path(directory), port)
