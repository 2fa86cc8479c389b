"""`flask year rollover [--dry-run] [--year 2026-2027]`: close a school year (see
docs/operations.md). Safe to run twice: the second run finds the year done and changes nothing."""

import click
from flask.cli import AppGroup

from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.rollover.operations import RolloverPlan, plan_rollover, roll_over
from consent.rollover.rules import RolloverError, year_start
from consent.schoolcalendar.days import school_year_of

cli = AppGroup("year", help="The school year.")


def _echo_plan(plan: RolloverPlan) -> None:
    click.echo(f"School year {plan.school_year} → {plan.into_year}")
    for line in plan.tools:
        click.echo(f"  {line.name}: {line.count} confirmed opt-outs, {line.action.value}")
    click.echo(
        f"opt-outs carried {plan.carried}, ended {plan.ended}, "
        f"open requests untouched {plan.open_untouched}, "
        f"forms copied as drafts {plan.forms}, guardians told {plan.guardians}"
    )


@cli.command("rollover")
@click.option("--dry-run", is_flag=True, help="Show the counts; change nothing.")
@click.option("--year", default=None, help="The school year to close (default: this one).")
def rollover_command(dry_run: bool, year: str | None) -> None:
    """Carry over or end confirmed opt-outs, tell families, copy the forms as drafts."""
    year = year or school_year_of(clock.today())
    if year_start(year) is None:
        raise click.ClickException("Give the school year as 2026-2027.")
    plan = plan_rollover(year)
    if plan.done is not None:
        done = plan.done
        click.echo(
            f"School year {year} was rolled over on {done.done_at:%Y-%m-%d}: opt-outs carried "
            f"{done.carried}, ended {done.ended}, forms copied as drafts {done.forms_copied}, "
            f"guardians told {done.guardians_told}. Nothing changed."
        )
        db.session.rollback()
        return
    _echo_plan(plan)
    if dry_run:
        db.session.rollback()
        click.echo("Dry run: nothing changed.")
        return
    db.session.rollback()  # the plan's reads end; the rollover takes the write lock afresh
    with immediate_transactions():
        try:
            done = roll_over(actor=None, school_year=year)
        except RolloverError as error:
            db.session.rollback()
            raise click.ClickException(str(error)) from error
        db.session.commit()
    click.echo(
        f"Rolled over: opt-outs carried {done.carried}, ended {done.ended}, "
        f"forms copied as drafts {done.forms_copied}, guardians told {done.guardians_told}."
    )
