"""The yearly consent forms: the privacy office publishes them, guardians answer per child,
staff enter paper and phone answers, and a refused tool consent opens an opt-out."""

from flask import Flask

from consent.consentforms import models  # noqa: F401 - registers the tables with the metadata


def init_app(app: Flask) -> None:
    from consent.consentforms.cli import cli
    from consent.consentforms.views import bp, forms_of_child

    app.register_blueprint(bp)
    app.cli.add_command(cli)
    app.add_template_global(forms_of_child, "consent_forms_of_child")
