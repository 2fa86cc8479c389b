"""The audit log of staff reads and every change to a student's data."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.audit.views import bp

    app.register_blueprint(bp)
