"""School days: deadlines skip weekends and the district's closures."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.schoolcalendar.views import bp

    app.register_blueprint(bp)
