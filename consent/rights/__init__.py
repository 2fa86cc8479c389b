"""The FERPA rights page every family can read."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.rights.views import bp

    app.register_blueprint(bp)
