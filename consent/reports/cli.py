"""`flask reports refresh`: run every few minutes from cron (see docs/operations.md); the
check and rebuild of the home language kept on each student (consent.roster.home_language);
and of the class reach table the opt-out rate reads (consent.catalog.class_reach)."""

import click
from flask.cli import AppGroup

from consent.catalog import class_reach
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


@cli.command("rebuild-reach")
def rebuild_reach_command() -> None:
    """Rewrite the class reach table (what the opt-out rate reads) from its definition."""
    with immediate_transactions():
        removed, added = class_reach.rebuild()
        db.session.commit()
    click.echo(f"class reach rebuilt: {removed} rows removed, {added} added")


@cli.command("check-reach")
def check_reach_command() -> None:
    """Compare the class reach table with its definition; exit 1 naming what differs."""
    missing, extra, some_missing, some_extra = class_reach.differences()
    db.session.rollback()
    if not missing and not extra:
        click.echo("class reach matches its definition")
        return
    click.echo(
        f"class reach differs from its definition: {missing} rows missing, "
        f"{extra} rows not in the definition (`flask reports rebuild-reach` rewrites it)",
        err=True,
    )
    for label, rows in (("missing", some_missing), ("not in the definition", some_extra)):
        for row in rows:
            click.echo(
                f"  {label}: use {row.use_id}, enrollment {row.enrollment_id}, "
                f"tool {row.tool_id}, student {row.student_id}, school {row.school_id}, "
                f"{row.starts_on} to {row.ends_on or 'open'}",
                err=True,
            )
    raise SystemExit(1)
