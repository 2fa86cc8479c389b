"""`flask accounts invite`: email everyone on the roster who has no account yet."""

import click
from flask.cli import AppGroup

from consent.accounts import totp
from consent.accounts.invitations import send_invitations, without_email_csv_rows
from consent.accounts.operations import find_account
from consent.core import clock
from consent.demo.operations import DEMO_TOTP_SECRET
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


@cli.command("totp-code")
@click.argument("email")
def totp_code(email: str) -> None:
    """The demo: the current sign-in code of a demo account (privacy officer, principals).

    Answers only for an account whose key is the demo's published one, so it reveals nothing
    a real account's second factor protects."""
    account = find_account(email)
    if account is None or account.totp_secret != DEMO_TOTP_SECRET:
        raise click.ClickException("only a demo account with the demo's published key has a code")
    click.echo(totp.code_at(DEMO_TOTP_SECRET, clock.now()))
