"""District text in every language the district offers: the office translates tool and
consent-form texts, families read their language (or the English, marked as not yet translated),
and the office sees what is missing per language."""

from flask import Flask

from consent.texts import models  # noqa: F401 - registers the table with the metadata


def init_app(app: Flask) -> None:
    from consent.texts.lookup import choice_text, feature_text, translated
    from consent.texts.operations import translatable_languages
    from consent.texts.views import bp

    app.register_blueprint(bp)
    app.add_template_global(translated)
    app.add_template_global(feature_text)
    app.add_template_global(choice_text)
    app.add_template_global(translatable_languages)
