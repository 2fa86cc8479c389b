"""Reports for the privacy office (the district, or one school) and principals (their school):
open and overdue requests, time to confirmation, opt-out rates, agreements ending; charts drawn
as SVG on the server, every table exported as streamed CSV."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.reports.cli import cli
    from consent.reports.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
    _sqlite_functions(app)


def _sqlite_functions(app: Flask) -> None:
    """SQLite knows no time zones: give each connection the district-date function."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    from consent.extensions import db
    from consent.reports.sql import SQLITE_DISTRICT_DATE, sqlite_district_date

    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _functions(dbapi_connection, _record):
            dbapi_connection.create_function(
                SQLITE_DISTRICT_DATE, 2, sqlite_district_date, deterministic=True
            )
