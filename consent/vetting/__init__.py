"""Vetting: staff ask for a tool to be vetted, a committee of reviewers reviews it (review.py)
and the privacy office decides; teachers and the privacy office declare where approved tools
are in use."""

from flask import Flask

from consent.vetting import models  # noqa: F401 - registers the tables
from consent.vetting.committee import models as committee_models  # noqa: F401 - the same


def init_app(app: Flask) -> None:
    from consent.vetting.cli import cli
    from consent.vetting.committee import views as committee_views  # noqa: F401 - routes on bp
    from consent.vetting.rereview_views import bp as rereview_bp
    from consent.vetting.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(rereview_bp)
    app.cli.add_command(cli)
