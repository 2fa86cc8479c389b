"""FERPA rights as workflows: records requests (inspect, amend, hearing, statement of
disagreement; 34 CFR 99.10, 99.20-99.22) and the record of disclosures (99.32)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.records.cli import cli
    from consent.records.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
