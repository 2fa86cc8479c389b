"""Notifications: the in-app inbox, and email delivery after commit by a worker."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.notifications.cli import cli
    from consent.notifications.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
