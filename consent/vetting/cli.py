"""`flask vetting follow-uses`: run every school morning from cron, after midnight."""

import click
from flask.cli import AppGroup

from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.vetting.operations import reroute

cli = AppGroup("vetting", help="Vetting requests and tool uses.")


@cli.command("follow-uses")
def follow_uses_command() -> None:
    """Route active opt-outs for tool uses that start or end today (declared ahead of time)."""
    with immediate_transactions():  # on SQLite, the write lock from the start
        report = reroute(clock.today())
        db.session.commit()
    click.echo(f"tasks added {report.tasks_added}, tasks closed {report.tasks_closed}")
