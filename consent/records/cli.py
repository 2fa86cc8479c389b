"""`flask records escalate`: run every morning from cron, like `flask optouts escalate`."""

import click
from flask.cli import AppGroup

from consent.core import clock
from consent.extensions import db
from consent.records.escalation import escalate

cli = AppGroup("records", help="Records requests (FERPA inspection and amendment).")


@cli.command("escalate")
def escalate_command() -> None:
    """Remind the office of requests coming due and escalate overdue ones (never twice)."""
    report = escalate(today=clock.today())
    db.session.commit()
    click.echo(f"reminders {report.reminded}, escalated {report.escalated}")
