"""The roster: schools, students, guardians, staff, sections and enrollments."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.roster.cli import cli
    from consent.roster.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
