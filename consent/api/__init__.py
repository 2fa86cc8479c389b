"""API v1 for district systems (consent.api.views), with its OpenAPI document."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.api.views import bp
    from consent.extensions import csrf

    csrf.exempt(bp)  # a bearer token, never a cookie: nothing for a forged form to ride on
    app.register_blueprint(bp)
