"""Reading district text in the reader's language: `translated(obj, field)` is the one way
every page and email gets a tool's purpose, a note, a feature, a choice or a form's text.

A page that shows many rows calls `preload(rows)` first: one query for all of them, kept for
the rest of the request (or the email being rendered), so no page pays a query per tool."""

from dataclasses import dataclass

from flask import current_app, g, has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import and_, inspect, or_, select

from consent.catalog.models import Tool
from consent.consentforms.models import ConsentForm
from consent.extensions import db
from consent.texts.models import TRANSLATABLE, DistrictText, kind_of

_CACHE = "district_texts"


@dataclass(frozen=True)
class Translated:
    """A text as one reader sees it: `fallback` when the reader's language has no translation
    yet and the district's default (English) text stands in, in `language`."""

    text: str
    fallback: bool
    language: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def __html__(self) -> str:
        """In a page: the English marked as English for screen readers, and a visible note."""
        if not self.fallback:
            return str(escape(self.text))
        return Markup(
            '<span lang="{lang}" class="untranslated-text">{text}</span> '
            '<span class="untranslated">({note})</span>'
        ).format(lang=self.language, text=self.text, note=_("not yet translated"))

    def with_note(self) -> str:
        """Plain text with the note, where no markup may go (a select's options)."""
        if not self.fallback:
            return self.text
        return _("%(text)s (not yet translated)", text=self.text)


def default_language() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def reader_language() -> str:
    """The language pages and emails are being rendered in (the account's, or forced)."""
    locale = get_locale() if has_app_context() else None
    return str(locale) if locale is not None else default_language()


def _cache() -> dict:
    if not has_app_context():
        return {}
    cache = g.get(_CACHE)
    if cache is None:
        cache = {}
        setattr(g, _CACHE, cache)
    return cache


def forget_cached() -> None:
    """After a translation is saved: the next read sees it (tests share one app context)."""
    if has_app_context():
        g.pop(_CACHE, None)


def _rows_of(objects) -> list:
    """The rows to load: each object, and a tool's own lists and a form's versions when they
    are loaded already (never loading a list the page chose not to show)."""
    rows = []
    for obj in objects:
        if obj is None:
            continue
        rows.append(obj)
        unloaded = inspect(obj).unloaded
        if isinstance(obj, Tool):
            for name in ("data_categories", "features", "optout_options"):
                if name not in unloaded:
                    rows.extend(getattr(obj, name))
        elif isinstance(obj, ConsentForm) and "versions" not in unloaded:
            rows.extend(obj.versions)
    return rows


def preload(objects, language: str | None = None) -> None:
    """Load the translations of `objects` (and a tool's lists) in one query."""
    language = language or reader_language()
    if language == default_language():
        return
    loaded = _cache().setdefault(language, {})
    wanted: dict[str, set[int]] = {}
    for row in _rows_of(objects):
        known = type(row) in TRANSLATABLE and row.id is not None
        if known and (kind_of(row), row.id) not in loaded:
            wanted.setdefault(kind_of(row), set()).add(row.id)
    if not wanted:
        return
    for kind, ids in wanted.items():
        for row_id in ids:
            loaded[(kind, row_id)] = {}
    found = db.session.execute(
        select(DistrictText.kind, DistrictText.row_id, DistrictText.field, DistrictText.text).where(
            DistrictText.language == language,
            or_(
                *(
                    and_(DistrictText.kind == kind, DistrictText.row_id.in_(sorted(ids)))
                    for kind, ids in wanted.items()
                )
            ),
        )
    )
    for kind, row_id, field, text in found:
        loaded[(kind, row_id)][field] = text


def translated(obj, field: str, language: str | None = None) -> Translated:
    """`obj.field` in `language` (the reader's by default); the default text, marked as a
    fallback, when that language has none yet."""
    language = language or reader_language()
    default = default_language()
    english = getattr(obj, field) or ""
    if language == default or type(obj) not in TRANSLATABLE:
        return Translated(english, False, default)
    key = (kind_of(obj), obj.id)
    loaded = _cache().get(language, {})
    if key not in loaded:
        preload([obj], language)
        loaded = _cache().get(language, {})
    text = loaded.get(key, {}).get(field)
    if text:
        return Translated(text, False, language)
    return Translated(english, bool(english), default)


def feature_text(tool: Tool, key: str | None) -> Translated | None:
    """The name of one of a tool's features in the reader's language; None for the whole tool
    or a key that is no longer one of its features."""
    if not key:
        return None
    for feature in tool.features:
        if feature.key == key:
            return translated(feature, "label")
    return None


def choice_text(tool: Tool, label: str) -> Translated:
    """An opt-out choice as asked for (stored in the district's words) in the reader's
    language; a choice the tool no longer offers, or one staff wrote down, stays as written."""
    for option in tool.optout_options:
        if option.label == label:
            return translated(option, "label")
    return Translated(label, False, default_language())
