"""The district's own annual notice of FERPA rights (34 CFR 99.7): the text the privacy office
keeps per language, in versions, and its yearly sending to every rights holder."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.notice.queries import OfficeContacts
    from consent.notice.rules import paragraphs
    from consent.notice.views import bp

    app.register_blueprint(bp)
    app.add_template_filter(paragraphs, "paragraphs")

    @app.context_processor
    def contacts():
        return {"privacy_office": OfficeContacts()}
