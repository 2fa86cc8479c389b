"""`flask optouts escalate`: run every school morning from cron (see docs/operations.md)."""

import click
from flask.cli import AppGroup

from consent.core import clock
from consent.extensions import db
from consent.optouts.escalation import escalate

cli = AppGroup("optouts", help="Opt-out requests.")


@cli.command("escalate")
def escalate_command() -> None:
    """Remind, tell principals and escalate requests past their due dates (never twice)."""
    report = escalate(today=clock.today())
    db.session.commit()
    click.echo(
        f"reminders {report.reminded}, principals told {report.principal_told}, "
        f"escalated to the privacy office {report.escalated}"
    )
