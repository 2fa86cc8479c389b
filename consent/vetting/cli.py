"""`flask vetting follow-uses` and `flask vetting escalate`: run every school morning from cron,
after midnight."""

import click
from flask.cli import AppGroup

from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.vetting.escalation import escalate_reviews
from consent.vetting.operations import reroute

cli = AppGroup("vetting", help="Vetting requests and tool uses.")


@cli.command("follow-uses")
def follow_uses_command() -> None:
    """Route active opt-outs for tool uses that start or end today (declared ahead of time)."""
    with immediate_transactions():  # on SQLite, the write lock from the start
        report = reroute(clock.today())
        db.session.commit()
    click.echo(f"tasks added {report.tasks_added}, tasks closed {report.tasks_closed}")


@cli.command("escalate")
def escalate_command() -> None:
    """Remind reviewers whose review is due, and escalate overdue reviews (never twice)."""
    report = escalate_reviews(today=clock.today())
    db.session.commit()
    click.echo(
        f"reviews reminded {report.reminded}, escalated to the privacy office {report.escalated}"
    )
