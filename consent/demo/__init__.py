"""The demo district: every role and every request status, for trying consent out."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.demo.cli import cli

    app.cli.add_command(cli)
