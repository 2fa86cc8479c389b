"""Plain rules of the annual notice: its default text (the FERPA facts), which version a reader
sees, the district's contacts with their fallbacks, and how plain text becomes paragraphs."""

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from consent.core.errors import DomainError
from consent.notice.models import CONTACT_FIELDS, TEXT_FIELDS, NoticeVersion

#: How long each part of the notice may be: a page, not a book.
TEXT_MAX = 8000


class NoticeError(DomainError):
    """A change to the notice, or a sending of it, that the rules refuse."""


@dataclass(frozen=True)
class Contacts:
    name: str
    email: str
    phone: str
    address: str


@dataclass(frozen=True)
class Shown:
    """The notice as one reader sees it."""

    school_officials: str
    directory_information: str
    inspect_and_amend: str
    contacts: Contacts
    language: str  # the language the district's text is in
    translated: bool  # False: the reader's language has no version yet; this is the default's
    version: NoticeVersion | None  # None: nothing saved yet, the FERPA facts are shown


def default_text() -> dict[str, str]:
    """The FERPA facts, in the current locale: what the notice says until the office saves it."""
    return {
        "school_officials": _(
            "The district may share records without your consent with a company that works as "
            'a "school official" with a "legitimate educational interest" (§ 99.31(a)(1)). The '
            "company must do work the district would otherwise do itself, stay under the "
            "district's control, and use the data only for that work. This is how most of the "
            "online tools your child uses receive data. You can see each tool, what it collects "
            "and why on your child's page, and you can ask for an opt-out or an accommodation."
        ),
        "directory_information": _(
            'The district may release "directory information" such as your child\'s name, grade '
            "and photo only after telling you what it includes, that you may refuse, and how "
            "long you have to refuse (§ 99.37). Refusing does not hide your child's name inside "
            "their own class."
        ),
        "inspect_and_amend": "\n\n".join(
            [
                _(
                    "Ask the school in writing. The school must let you see them within 45 days "
                    "(§ 99.10)."
                ),
                _(
                    "If a record is wrong or misleading, you may ask the school to change it. If "
                    "the school says no, you may ask for a hearing, and you may add your own "
                    "statement to the record (§ 99.20–99.22)."
                ),
            ]
        ),
    }


def contacts_of(version: NoticeVersion | None, config: dict) -> Contacts:
    """The district's contacts from the notice; each one it leaves empty from the settings."""

    def pick(field: str, setting: str) -> str:
        value = getattr(version, field, "") if version is not None else ""
        return (value or config.get(setting) or "").strip()

    return Contacts(
        name=pick("contact_name", "PRIVACY_OFFICE_NAME") or _("District privacy office"),
        email=pick("contact_email", "PRIVACY_OFFICE_EMAIL"),
        phone=pick("contact_phone", "PRIVACY_OFFICE_PHONE"),
        address=pick("contact_address", "PRIVACY_OFFICE_ADDRESS"),
    )


def choose(
    language: str, latest: dict[str, NoticeVersion], default_language: str
) -> tuple[NoticeVersion | None, bool]:
    """The version a reader of `language` sees, and whether it is in their language: their own
    language's latest; else the district language's, marked not yet translated; else none (the
    FERPA facts, which every offered language has)."""
    if language in latest:
        return latest[language], True
    if default_language in latest:
        return latest[default_language], language == default_language
    return None, True


def shown(
    language: str, latest: dict[str, NoticeVersion], default_language: str, config: dict
) -> Shown:
    version, translated = choose(language, latest, default_language)
    texts = (
        {field: getattr(version, field) for field in TEXT_FIELDS}
        if version is not None
        else default_text()
    )
    return Shown(
        **texts,
        contacts=contacts_of(version, config),
        language=version.language if version is not None else language,
        translated=translated,
        version=version,
    )


def changed_fields(before: NoticeVersion | None, fields: dict[str, str]) -> list[str]:
    """The parts a save changes, compared with the language's latest version (or the default)."""
    if before is None:
        base = dict(default_text(), **dict.fromkeys(CONTACT_FIELDS, ""))
    else:
        base = {name: getattr(before, name) for name in (*CONTACT_FIELDS, *TEXT_FIELDS)}
    return [name for name in (*CONTACT_FIELDS, *TEXT_FIELDS) if base[name] != fields[name]]


def clean(text: str) -> str:
    """Plain text as the office typed it, with Windows line ends and outer blanks removed."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


_BLANK_LINE = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> Markup:
    """Plain text as HTML: everything escaped, blank lines start a paragraph, a line break stays
    a line break. The office writes no HTML."""
    parts = [p.strip() for p in _BLANK_LINE.split(clean(text)) if p.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in p.split("\n")))
        for p in parts
    )
