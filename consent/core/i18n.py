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
    found = _catalogs() & offered
    return [default, *sorted(found - {default})]


def _catalogs() -> frozenset[str]:
    """The languages with a compiled catalog, looked for once per app: Flask-Babel lists the
    translation folders on disk every time it is asked, and every request asks (the reader's
    language). Catalogs are built before the app starts and change only with a new release."""
    found = current_app.extensions.get("consent.catalogs")
    if found is None:
        found = frozenset(str(locale) for locale in babel.list_translations())
        current_app.extensions["consent.catalogs"] = found
    return found


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
