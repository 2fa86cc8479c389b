import click
from flask.cli import AppGroup

from consent.demo.operations import DEMO_PASSWORD, load_demo
from consent.extensions import db

cli = AppGroup("demo", help="The demo district.")


@cli.command("load")
def load() -> None:
    """Load the demo district into an empty, migrated database."""
    district = load_demo()
    db.session.commit()
    click.echo(
        f"Demo district loaded: {len(district.students)} students, {len(district.tools)} tools, "
        f"{len(district.optouts)} requests. Every demo account's password is {DEMO_PASSWORD}."
    )
