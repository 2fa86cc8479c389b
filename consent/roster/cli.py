"""`flask roster import PATH [--dry-run]`: load the district's SIS export."""

import sys

import click
from flask.cli import AppGroup

from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.roster.jobs import IMPORT_STEPS

cli = AppGroup("roster", help="The roster from the student information system.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True))
@click.option("--dry-run", is_flag=True, help="Validate and summarise without writing.")
def import_command(path: str, dry_run: bool) -> None:
    """Import a OneRoster 1.1/1.2 CSV set or a School Data Sync v2.1 set (folder or zip)."""
    from consent.roster.operations import import_roster

    # Immediate on SQLite: the web app may commit while the import reads (see roster/jobs.py).
    with (
        immediate_transactions(),
        click.progressbar(
            length=len(IMPORT_STEPS),
            label="Importing",
            show_pos=True,
            item_show_func=lambda step: step or "",
        ) as bar,
    ):
        result = import_roster(
            path,
            today=clock.today(),
            dry_run=dry_run,
            progress=lambda step: bar.update(1, step),
        )
        db.session.commit()
    if result.problems:
        click.echo(
            f"The roster was not imported: {len(result.problems)} problems. Nothing changed."
        )
        for problem in result.problems:
            click.echo(f"  {problem}")
        sys.exit(1)
    click.echo("Dry run: nothing was written." if dry_run else "Roster imported.")
    for line in result.summary.lines():
        click.echo(f"  {line}")
