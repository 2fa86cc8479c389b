"""The school-year rollover: confirmed opt-outs carry over or end, families are told, and the
year's consent forms become next year's drafts."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.rollover import models  # noqa: F401 - the models join the metadata
    from consent.rollover.cli import cli
    from consent.rollover.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
