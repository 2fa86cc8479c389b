"""The district's own annual notice of FERPA rights (34 CFR 99.7): the text the privacy office
keeps per language, in versions, and its yearly sending to every rights holder."""

import logging

from flask import Flask, current_app, g
from flask_babel import get_locale
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


class OfficeContacts:
    """The district's contacts for the page footer, read from the notice in the reader's
    language the first time a page uses them (a page that does not, reads nothing)."""

    def __init__(self):
        self._found = None

    def _load(self):
        from consent.core.i18n import available_locales
        from consent.notice.queries import for_reader
        from consent.notice.rules import contacts_of

        config = current_app.config
        if g.get("database_unavailable"):  # an error page must not touch the database
            return contacts_of(None, config)
        try:
            return for_reader(str(get_locale()), available_locales(), config).contacts
        except SQLAlchemyError as error:
            log.error("notice contacts unavailable (%s)", type(error).__name__)
            return contacts_of(None, config)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._found is None:
            self._found = self._load()
        return getattr(self._found, name)


def init_app(app: Flask) -> None:
    from consent.notice.rules import paragraphs
    from consent.notice.views import bp

    app.register_blueprint(bp)
    app.add_template_filter(paragraphs, "paragraphs")

    @app.context_processor
    def contacts():
        return {"privacy_office": OfficeContacts()}
