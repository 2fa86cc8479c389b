"""Saving translations: all of a page's texts in one language at once, or none of them.

Each domain that owns the texts (the catalog, the consent forms) calls `save` from its own
operation, which adds what that domain does with an edit (a tool's revision, the audit row)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import delete, select

from consent.core import clock
from consent.core.errors import DomainError
from consent.core.i18n import available_locales
from consent.extensions import db
from consent.texts.lookup import forget_cached
from consent.texts.models import MAX_LENGTH, DistrictText
from consent.texts.queries import Entry


class TranslationError(DomainError):
    """A translation the page cannot save; nothing of the page was saved."""


@dataclass(frozen=True)
class Change:
    entry: Entry
    before: str | None
    after: str | None


def translatable_languages() -> list[str]:
    """The languages the district offers other than its default, which stays in the columns."""
    return available_locales()[1:]


def check_language(language: str) -> None:
    if language not in translatable_languages():
        raise TranslationError(_("The district does not offer this language."))


def save(*, actor, language: str, entries: list[Entry], values: dict[str, str]) -> list[Change]:
    """Set each entry's translation to `values[entry.key]` (stripped); an empty value removes
    the translation, so families read the English again with the note. Entries without a value
    are left as they are. Returns what changed."""
    check_language(language)
    cleaned = {}
    for entry in entries:
        if entry.key not in values:
            continue
        text = (values[entry.key] or "").strip()
        limit = MAX_LENGTH[(entry.kind, entry.field)]
        if len(text) > limit:
            raise TranslationError(
                _(
                    "The translation of “%(english)s” is too long: at most %(n)s characters.",
                    english=_short(entry.english),
                    n=limit,
                )
            )
        cleaned[entry.key] = text
    changes = []
    for entry in entries:
        if entry.key not in cleaned or cleaned[entry.key] == entry.translation:
            continue
        after = cleaned[entry.key]
        row = db.session.scalar(
            select(DistrictText).where(
                DistrictText.kind == entry.kind,
                DistrictText.row_id == entry.row_id,
                DistrictText.field == entry.field,
                DistrictText.language == language,
            )
        )
        if not after:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(
                DistrictText(
                    kind=entry.kind,
                    row_id=entry.row_id,
                    field=entry.field,
                    language=language,
                    text=after,
                    updated_at=clock.now(),
                    updated_by_account_id=actor.id if actor is not None else None,
                )
            )
        else:
            row.text = after
            row.updated_at = clock.now()
            row.updated_by_account_id = actor.id if actor is not None else None
        changes.append(Change(entry, entry.translation or None, after or None))
    db.session.flush()
    forget_cached()
    return changes


def forget(kind: str, row_ids) -> None:
    """Remove the translations of rows that are gone (a category no longer collected, a feature
    or choice removed), so a later row that reuses the id starts untranslated."""
    row_ids = list(row_ids)
    if row_ids:
        db.session.execute(
            delete(DistrictText).where(DistrictText.kind == kind, DistrictText.row_id.in_(row_ids))
        )
        forget_cached()


def copy(kind: str, from_id: int, to_id: int) -> None:
    """Give a copied row (next year's draft of a form) the translations of its original."""
    rows = db.session.scalars(
        select(DistrictText).where(DistrictText.kind == kind, DistrictText.row_id == from_id)
    ).all()
    db.session.add_all(
        DistrictText(
            kind=kind,
            row_id=to_id,
            field=row.field,
            language=row.language,
            text=row.text,
            updated_at=row.updated_at,
            updated_by_account_id=row.updated_by_account_id,
        )
        for row in rows
    )
    db.session.flush()
    forget_cached()


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
