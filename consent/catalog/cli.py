"""`flask catalog check-agreements`: run every morning from cron (see docs/operations.md)."""

import click
from flask.cli import AppGroup

from consent.catalog.operations import check_agreements
from consent.core import clock
from consent.extensions import db

cli = AppGroup("catalog", help="The tool catalog.")


@cli.command("check-agreements")
def check_agreements_command() -> None:
    """Tell families about data agreements whose end date has passed (once per lapse)."""
    notices = check_agreements(today=clock.today())
    db.session.commit()
    told = sum(n.guardians_notified for n in notices)
    click.echo(f"agreements lapsed {len(notices)}, guardians told {told}")
