"""The languages the district offers, and the one stored text is written in.

Domain code imports these from here, never from the app factory (`consent/__init__.py`)."""

from babel import Locale, UnknownLocaleError
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from consent.extensions import babel


def available_locales() -> list[str]:
    """Languages we can show whole: the default plus those with a translation catalog.

    A guardian who prefers Spanish sees English until the Spanish catalog exists, rather than
    a page that mixes languages (and announces the wrong one to screen readers). Only the
    languages the district offers (LANGUAGES) count. The district's default comes first: it is
    what a visitor gets when nothing else matches (Flask-Babel lists it last).
    """
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    offered = set(current_app.config["LANGUAGES"])
    found = {str(locale) for locale in babel.list_translations()} & offered
    return [default, *sorted(found - {default})]


def district_language():
    """For text stored for everyone to read later (a request's reason, a timeline note): it is
    written in the district's language, not in that of the person whose action caused it."""
    return force_locale(current_app.config["BABEL_DEFAULT_LOCALE"])


def language_name(code: str) -> str:
    """A home language in the reader's language ("es" -> "Spanish"); "Not known" when none."""
    if not code:
        return str(_l("Not known"))
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code
