"""The catalog of vetted online tools and where each is in use."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.catalog.views import bp

    app.register_blueprint(bp)
