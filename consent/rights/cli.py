"""`flask rights eligible`: run every morning from cron, like `flask records escalate`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from consent.core import clock
from consent.extensions import db
from consent.rights.operations import mark_tax_dependent, pass_rights
from consent.roster.models import Student

cli = AppGroup("rights", help="FERPA rights that pass to the student at 18 (34 CFR 99.5).")


@cli.command("eligible")
def eligible_command() -> None:
    """Students who are 18 today (the district's date) take their rights; never twice."""
    report = pass_rights(today=clock.today())
    db.session.commit()
    click.echo(
        f"eligible students {len(report.students)}, invited {report.invited}, "
        f"without email {report.without_email}, email taken {report.email_taken}, "
        f"parents told {report.guardians_told}"
    )


@cli.command("dependent")
@click.argument("district_identifier")
@click.option("--no", "not_dependent", is_flag=True, help="Remove the mark.")
def dependent_command(district_identifier: str, not_dependent: bool) -> None:
    """Mark a student a dependent for tax purposes (99.31(a)(8)): after 18 the parents may
    still see, but not decide."""
    student = db.session.scalar(
        select(Student).where(Student.district_identifier == district_identifier)
    )
    if student is None:
        raise click.ClickException(f"No student has the number {district_identifier}.")
    mark_tax_dependent(actor=None, student=student, dependent=not not_dependent)
    db.session.commit()
    click.echo(f"student {student.id}: tax dependent {student.tax_dependent}")
