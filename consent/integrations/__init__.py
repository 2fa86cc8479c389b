"""Integration tokens: the privacy office lets a district system read through the API."""

from flask import Flask

from consent.integrations import models  # noqa: F401 - registers the table with the metadata


def init_app(app: Flask) -> None:
    from consent.integrations.views import bp

    app.register_blueprint(bp)
