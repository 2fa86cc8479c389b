"""The FERPA rights page every family can read, and the rights that pass to the student at 18."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.rights.cli import cli
    from consent.rights.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
