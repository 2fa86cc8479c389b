"""`flask catalog check-agreements`: run every morning from cron (see docs/operations.md)."""

import click
from flask.cli import AppGroup

from consent.catalog.operations import check_agreements
from consent.extensions import db
from consent.schoolcalendar.operations import district_today

cli = AppGroup("catalog", help="The tool catalog.")


@cli.command("check-agreements")
def check_agreements_command() -> None:
    """Tell families about data agreements whose end date has passed (once per lapse)."""
    notices = check_agreements(today=district_today())
    db.session.commit()
    told = sum(n.guardians_notified for n in notices)
    click.echo(f"agreements lapsed {len(notices)}, guardians told {told}")
