"""`flask vetting follow-uses` and `flask vetting escalate`: run every school morning from cron,
after midnight; `flask vetting rereview` daily; `flask vetting policy-watch` daily when the
district turns it on."""

import click
from flask import current_app
from flask.cli import AppGroup

from consent.catalog.models import Tool
from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.vetting.escalation import escalate_reviews
from consent.vetting.operations import reroute
from consent.vetting.rereview import (
    WatchReport,
    fetch,
    open_due_rereviews,
    record_policy,
    watched_tools,
)

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
    """Remind reviewers whose review is due, escalate overdue reviews, and remind requesters
    of unanswered questions (never twice)."""
    report = escalate_reviews(today=clock.today())
    db.session.commit()
    click.echo(
        f"reviews reminded {report.reminded}, escalated to the privacy office {report.escalated}, "
        f"unanswered questions reminded {report.question_reminded}"
    )


@cli.command("rereview")
def rereview_command() -> None:
    """Send approved tools back to the committee: those whose review date came, and those with a
    change families were told about. Daily from cron; running it twice opens nothing more."""
    with immediate_transactions():
        report = open_due_rereviews(clock.today())
        db.session.commit()
    click.echo(f"re-reviews opened: due {len(report.due)}, changed {len(report.changed)}")


@cli.command("policy-watch")
def policy_watch_command() -> None:
    """Fetch each approved tool's privacy policy and send the tool back to the committee when
    its text changed (the first fetch only records it). Off unless POLICY_WATCH is on."""
    if not current_app.config["POLICY_WATCH"]:
        click.echo("policy watch is off (set POLICY_WATCH=1 to turn it on)")
        return
    watched = watched_tools()
    db.session.rollback()  # no transaction held open while pages are fetched
    timeout = current_app.config["POLICY_WATCH_TIMEOUT"]
    most = current_app.config["POLICY_WATCH_MAX_BYTES"]
    texts = [(tool_id, fetch(url, timeout, most)) for tool_id, url in watched]
    report = WatchReport(unreadable=sum(1 for _, text in texts if text is None))
    with immediate_transactions():
        now = clock.now()
        for tool_id, text in texts:
            tool = db.session.get(Tool, tool_id)
            if text is not None and tool is not None:
                record_policy(tool, text, report, now)
        db.session.commit()
    click.echo(
        f"policies checked {report.checked}, first seen {report.recorded}, "
        f"unreadable {report.unreadable}, re-reviews opened {len(report.changed)}"
    )
