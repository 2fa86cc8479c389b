"""Webhooks: signed deliveries to the district's systems, queued with the change, sent after."""

from flask import Flask

from consent.webhooks import models  # noqa: F401 - registers the tables with the metadata


def init_app(app: Flask) -> None:
    from consent.webhooks.cli import cli
    from consent.webhooks.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
