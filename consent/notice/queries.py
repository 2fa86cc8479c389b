"""Read-side queries of the annual notice: the latest versions, who holds rights, who the
notice has reached this school year. Each is one statement."""

import logging
from collections import defaultdict
from datetime import timedelta

from flask import Flask, current_app, g, has_app_context
from flask_babel import get_locale
from sqlalchemy import Select, case, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased

from consent.access import deciding_link
from consent.core import clock
from consent.core.i18n import available_locales
from consent.extensions import db
from consent.notice.models import NoticeRecipient, NoticeSend, NoticeVersion
from consent.notice.rules import Shown, contacts_of, shown
from consent.notifications.models import DeliveryStatus, Notification
from consent.roster.models import Guardian, GuardianLink, School, Student

log = logging.getLogger(__name__)

#: Delivery outcomes that mean the notice did not reach the person by email.
NOT_REACHED = (DeliveryStatus.NO_ADDRESS, DeliveryStatus.FAILED)


def latest_versions(languages) -> dict[str, NoticeVersion]:
    """The newest saved version in each of `languages` that has one."""
    newest = (
        select(func.max(NoticeVersion.id))
        .where(NoticeVersion.language.in_(list(languages)))
        .group_by(NoticeVersion.language)
    )
    return {
        version.language: version
        for version in db.session.scalars(select(NoticeVersion).where(NoticeVersion.id.in_(newest)))
    }


def history(language: str) -> Select:
    """A language's versions, newest first (for pagination)."""
    return (
        select(NoticeVersion)
        .where(NoticeVersion.language == language)
        .order_by(NoticeVersion.number.desc())
    )


def previous_versions(versions: list[NoticeVersion]) -> dict[int, NoticeVersion]:
    """For each version on a history page, the one saved before it (to say what changed)."""
    if not versions:
        return {}
    language = versions[0].language
    numbers = {v.number - 1 for v in versions}
    before = {
        v.number: v
        for v in db.session.scalars(
            select(NoticeVersion).where(
                NoticeVersion.language == language, NoticeVersion.number.in_(numbers)
            )
        )
    }
    return {v.id: before[v.number - 1] for v in versions if v.number - 1 in before}


def rights_holder_ids() -> Select:
    """Every guardian who holds FERPA rights for an active student today, and every eligible
    student (whose own record holds them): the people the notice is for."""
    # Aliases: the statements this is used in read `guardian` and `student` themselves, and
    # the subquery must not be correlated to their rows.
    person, child = aliased(Guardian), aliased(Student)
    return (
        select(GuardianLink.guardian_id)
        .join(child, child.id == GuardianLink.student_id)
        .join(person, person.id == GuardianLink.guardian_id)
        .where(deciding_link(), child.active.is_(True), person.active.is_(True))
        .distinct()
    )


def not_yet_sent_ids(school_year: str) -> Select:
    """Rights holders the notice has not gone to in `school_year`."""
    sent = select(NoticeRecipient.guardian_id).where(NoticeRecipient.school_year == school_year)
    return rights_holder_ids().where(GuardianLink.guardian_id.not_in(sent))


def reading_language(locales: list[str]):
    """SQL: the language a guardian reads the notice in (the default when theirs is not offered),
    as `notify_many` chooses it."""
    return case(
        (Guardian.preferred_language.in_(locales[1:]), Guardian.preferred_language),
        else_=locales[0],
    )


def send_preview(school_year: str, locales: list[str]) -> list[tuple[str, int, int]]:
    """(language, with an email address, without one) of those a send would reach now."""
    language = reading_language(locales)
    has_email = func.coalesce(Guardian.email, "") != ""
    rows = db.session.execute(
        select(
            language,
            func.sum(case((has_email, 1), else_=0)),
            func.sum(case((has_email, 0), else_=1)),
        )
        .where(Guardian.id.in_(not_yet_sent_ids(school_year)))
        .group_by(language)
        .order_by(language)
    ).all()
    return [(lang, int(with_email or 0), int(without or 0)) for lang, with_email, without in rows]


def sends(school_year: str) -> list[NoticeSend]:
    return list(
        db.session.scalars(
            select(NoticeSend)
            .where(NoticeSend.school_year == school_year)
            .order_by(NoticeSend.id.desc())
        )
    )


def _not_reached(school_year: str, *, statuses=NOT_REACHED):
    return (
        select(NoticeRecipient)
        .join(Guardian, Guardian.id == NoticeRecipient.guardian_id)
        .join(Notification, Notification.id == NoticeRecipient.notification_id)
        .where(
            NoticeRecipient.school_year == school_year, Notification.delivery_status.in_(statuses)
        )
    )


def not_reached(school_year: str, *, statuses=NOT_REACHED) -> Select:
    """The recipients the notice did not reach by email (for pagination), by name."""
    return _not_reached(school_year, statuses=statuses).order_by(
        Guardian.family_name, Guardian.given_name, Guardian.id
    )


def not_reached_counts(school_year: str) -> list[tuple[str, str, int]]:
    """(school, language, people) not reached: a person with children at two schools counts at
    each. The school is that of the children they hold rights for today."""
    rows = db.session.execute(
        select(School.name, NoticeRecipient.language, func.count(func.distinct(Guardian.id)))
        .select_from(NoticeRecipient)
        .join(Guardian, Guardian.id == NoticeRecipient.guardian_id)
        .join(Notification, Notification.id == NoticeRecipient.notification_id)
        .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .join(Student, Student.id == GuardianLink.student_id)
        .join(School, School.id == Student.school_id)
        .where(
            NoticeRecipient.school_year == school_year,
            Notification.delivery_status.in_(NOT_REACHED),
            deciding_link(),
        )
        .group_by(School.name, NoticeRecipient.language)
        .order_by(School.name, NoticeRecipient.language)
    ).all()
    return [(school, language, int(count)) for school, language, count in rows]


def schools_of(guardian_ids: list[int]) -> dict[int, list[str]]:
    """The schools of the children each guardian holds rights for, in one statement."""
    found: dict[int, list[str]] = defaultdict(list)
    if not guardian_ids:
        return found
    rows = db.session.execute(
        select(GuardianLink.guardian_id, School.name)
        .join(Student, Student.id == GuardianLink.student_id)
        .join(School, School.id == Student.school_id)
        .where(GuardianLink.guardian_id.in_(guardian_ids), deciding_link())
        .distinct()
        .order_by(GuardianLink.guardian_id, School.name)
    ).all()
    for guardian_id, name in rows:
        found[guardian_id].append(name)
    return found


def for_reader(language: str, locales: list[str], config) -> Shown:
    """The notice a reader of `language` sees (once per request and language)."""
    cache = g.setdefault("notice_shown", {}) if has_app_context() else {}
    if language not in cache:
        latest = latest_versions({language, locales[0]})
        cache[language] = shown(language, latest, locales[0], config)
    return cache[language]


#: How long a process keeps the footer's contacts before reading them again. Every page shows
#: them, and a page's statements are counted (tests/test_query_budget.py): a save in this process
#: forgets them at once (`forget_contacts`), one in another process shows within this time.
CONTACTS_TTL = timedelta(seconds=60)


def forget_contacts(app: Flask) -> None:
    """A new version was saved: the next page reads the contacts again."""
    app.extensions.get("notice_contacts", {}).clear()


class OfficeContacts:
    """The district's contacts for the page footer, from the notice in the reader's language,
    read the first time a page uses them and kept a short while (see CONTACTS_TTL)."""

    def __init__(self):
        self._found = None

    def _load(self):
        config = current_app.config
        if g.get("database_unavailable"):  # an error page must not touch the database
            return contacts_of(None, config)
        language = str(get_locale())
        if language in g.get("notice_shown", {}):  # the rights page read the notice already
            return g.notice_shown[language].contacts
        kept = current_app.extensions.setdefault("notice_contacts", {})
        now = clock.now()
        if language in kept and timedelta(0) <= now - kept[language][0] < CONTACTS_TTL:
            return kept[language][1]
        try:
            contacts = for_reader(language, available_locales(), config).contacts
        except SQLAlchemyError as error:
            log.error("notice contacts unavailable (%s)", type(error).__name__)
            return contacts_of(None, config)
        kept[language] = (now, contacts)
        return contacts

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if self._found is None:
            self._found = self._load()
        return getattr(self._found, name)
