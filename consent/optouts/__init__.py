"""Opt-out requests: filing, routing, the teachers' tasks, confirmation and the timeline."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.optouts.cli import cli
    from consent.optouts.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
