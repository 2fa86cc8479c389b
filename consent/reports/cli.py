"""`flask reports refresh`: run every few minutes from cron (see docs/operations.md); and the
check and rebuild of the home language kept on each student (consent.roster.home_language)."""

import click
from flask.cli import AppGroup

from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.reports.snapshots import refresh
from consent.roster import home_language

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


SHOWN = 20  # differing students named by check-home-languages


@cli.command("check-home-languages")
def check_home_languages_command() -> None:
    """Compare each student's kept home language with its definition; exit 1 on a difference."""
    found = home_language.differences()
    if not found:
        click.echo("home languages: every student's matches the definition")
        return
    click.echo(f"home languages: {len(found)} students differ from the definition", err=True)
    for row in found[:SHOWN]:
        click.echo(
            f"  student {row.student_id}: stored {row.stored!r}, definition {row.definition!r}",
            err=True,
        )
    if len(found) > SHOWN:
        click.echo(f"  ... and {len(found) - SHOWN} more", err=True)
    click.echo("run `flask reports rebuild-home-languages` to set them again", err=True)
    raise SystemExit(1)


@cli.command("rebuild-home-languages")
def rebuild_home_languages_command() -> None:
    """Set every student's kept home language from its definition, in one transaction."""
    with immediate_transactions():
        changed = home_language.refresh()
        db.session.commit()
    click.echo(f"home languages rebuilt: {changed} students changed")
