"""`flask reports refresh`: run every few minutes from cron (see docs/operations.md)."""

import click
from flask.cli import AppGroup

from consent.extensions import db
from consent.reports.snapshots import refresh
from consent.schoolcalendar.operations import district_today

cli = AppGroup("reports", help="Reports.")


@cli.command("refresh")
def refresh_command() -> None:
    """Compute the district-wide report figures the privacy office's pages show."""
    count = refresh(district_today())
    db.session.commit()
    click.echo(f"district figures refreshed: {count}")
