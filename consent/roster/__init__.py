"""The roster: schools, students, guardians, staff, sections and enrollments."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.roster.views import bp

    app.register_blueprint(bp)
