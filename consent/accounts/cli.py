"""`flask accounts invite`: email everyone on the roster who has no account yet."""

import click
from flask.cli import AppGroup

from consent.accounts.invitations import send_invitations, without_email_csv_rows
from consent.extensions import db

cli = AppGroup("accounts", help="Accounts and invitations.")


@cli.command("invite")
@click.option(
    "--no-email-csv",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the guardians who have no email address to this CSV file.",
)
def invite(no_email_csv: str | None) -> None:
    """Queue invitations (delivered by `flask notifications deliver`)."""
    report = send_invitations()
    db.session.commit()
    click.echo(f"invitations queued: {report.sent}")
    if report.email_taken:
        click.echo(f"skipped, email already signs in to another account: {report.email_taken}")
    click.echo(f"guardians without an email address: {len(report.without_email)}")
    if no_email_csv:
        with open(no_email_csv, "w", encoding="utf-8", newline="") as out:
            out.writelines(without_email_csv_rows())
        click.echo(f"written to {no_email_csv}")
