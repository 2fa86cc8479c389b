"""The catalog of vetted online tools, its history, and where each tool is in use."""

from datetime import UTC, datetime, time, timedelta

from flask import Flask

NOTICE_DAYS = 365  # how long a change stays listed on a child's page


def init_app(app: Flask) -> None:
    from consent.catalog import (
        class_reach,  # noqa: F401 - its flush hook keeps the class reach table
        models,  # noqa: F401 - the models join the metadata
    )
    from consent.catalog.cli import cli
    from consent.catalog.queries import recent_notices
    from consent.catalog.views import bp
    from consent.core import clock

    app.register_blueprint(bp)
    app.cli.add_command(cli)
    app.config.setdefault("CATALOG_NOTICE_DAYS", NOTICE_DAYS)

    @app.template_global()
    def tool_changes(entries) -> list:
        """Changes families were told about for the tools on a child's page (one query)."""
        days = app.config["CATALOG_NOTICE_DAYS"]
        since = datetime.combine(clock.today() - timedelta(days=days), time.min, tzinfo=UTC)
        return recent_notices([entry.tool.id for entry in entries], since)
