"""Receipts for every decision a family makes, each with a verification code the privacy
office can check (consent.receipts.codes)."""

from flask import Flask

from consent.receipts import models  # noqa: F401 - registers the table with the metadata


def init_app(app: Flask) -> None:
    from consent.core.templating import LABELS
    from consent.optouts.models import Channel
    from consent.receipts.codes import grouped
    from consent.receipts.views import bp

    app.register_blueprint(bp)
    app.add_template_filter(grouped, "receipt_code")

    @app.template_filter("channel_label")
    def channel_label(value: str) -> str:
        """How a receipt's decision reached the district (an opt-out's channels include every
        way a form answer comes in: web, paper, phone)."""
        return LABELS[Channel].get(value, value)
