"""`flask reports refresh`: run every few minutes from cron (see docs/operations.md)."""

import click
from flask.cli import AppGroup

from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.reports.snapshots import refresh

cli = AppGroup("reports", help="Reports.")


@cli.command("refresh")
def refresh_command() -> None:
    """Compute the district-wide report figures the privacy office's pages show."""
    # On SQLite the run takes the write lock up front: reading first and writing later would
    # fail at once if a web request committed in between.
    with immediate_transactions():
        count = refresh(clock.today())
        db.session.commit()
    if count is None:
        click.echo("another refresh is running; nothing done")
    else:
        click.echo(f"district figures refreshed: {count}")
