"""`flask consentforms notify FORM_ID`: tell families the roster added since publishing."""

import click
from flask.cli import AppGroup

from consent.consentforms.models import ConsentForm
from consent.consentforms.operations import notify_guardians_in_scope
from consent.consentforms.rules import ConsentFormError
from consent.extensions import db

cli = AppGroup("consentforms", help="Consent forms.")


@cli.command("notify")
@click.argument("form_id", type=int)
def notify(form_id: int) -> None:
    """Notify guardians in scope of a published form who were not told yet (safe to rerun)."""
    form = db.session.get(ConsentForm, form_id)
    if form is None:
        raise click.ClickException(f"No consent form {form_id}.")
    try:
        told = notify_guardians_in_scope(form)
    except ConsentFormError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{told} guardians told about consent form {form.id}.")
