"""Changes to the annual notice: a save adds a version; a send queues the notice for every
rights holder not yet sent it this school year. Each writes its audit row in the caller's
transaction and flushes; the caller commits once."""

import logging

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from consent.access.catalog import may_keep_notice
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.core import clock
from consent.core.i18n import available_locales
from consent.extensions import db
from consent.notice import queries
from consent.notice.models import (
    CONTACT_FIELDS,
    TEXT_FIELDS,
    NoticeRecipient,
    NoticeSend,
    NoticeVersion,
)
from consent.notice.rules import NoticeError, changed_fields, clean, shown
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import notify_many
from consent.roster.models import Guardian

log = logging.getLogger(__name__)

TEMPLATE = "notice/annual"


def _check(actor: Account | None) -> None:
    if actor is not None and not may_keep_notice(actor):
        raise NoticeError(_l("Only the privacy office changes or sends the annual notice."))


def save_notice(*, actor: Account | None, language: str, **fields: str) -> NoticeVersion:
    """Save the notice in one language as its next version; refuses a save that changes nothing."""
    _check(actor)
    if language not in available_locales():
        raise NoticeError(_l("The district does not offer this language."))
    values = {name: clean(fields.get(name, "")) for name in (*CONTACT_FIELDS, *TEXT_FIELDS)}
    for name in TEXT_FIELDS:
        if not values[name]:
            raise NoticeError(_l("Every part of the notice needs its text."))
    latest = queries.latest_versions([language]).get(language)
    with force_locale(language):
        changed = changed_fields(latest, values)
    if latest is not None and not changed:
        raise NoticeError(_l("Nothing changed: the notice is already saved like this."))
    number = (
        db.session.scalar(
            select(func.max(NoticeVersion.number)).where(NoticeVersion.language == language)
        )
        or 0
    ) + 1
    version = NoticeVersion(
        language=language,
        number=number,
        saved_by_account_id=actor.id if actor is not None else None,
        saved_at=clock.now(),
        **values,
    )
    db.session.add(version)
    db.session.flush()
    record(actor, "notice.edit", target=f"notice_version:{version.id}", as_service=actor is None)
    queries.forget_contacts(current_app)
    log.info("notice version %s saved (%s, number %s)", version.id, language, number)
    return version


def notice_for_every_language() -> dict[str, object]:
    """The notice as each offered language's reader sees it, for an email rendered per language."""
    locales = available_locales()
    latest = queries.latest_versions(locales)
    notices = {}
    for language in locales:
        with force_locale(language):
            notices[language] = shown(language, latest, locales[0], current_app.config)
    return notices


def send_notice(*, actor: Account | None, school_year: str, expected: int | None) -> NoticeSend:
    """Queue the notice for every rights holder not sent it in `school_year`, each in their
    language (the inbox keeps it for those without email), and record who it went to.

    `expected`: how many the office was shown on the confirmation step; when the number has
    changed since (the roster moved, or someone else sent it), nothing is sent."""
    _check(actor)
    pending = queries.not_yet_sent_ids(school_year)
    count = db.session.scalar(select(func.count()).select_from(pending.subquery()))
    if not count:
        raise NoticeError(
            _l("Every rights holder has this school year's notice already; nothing was sent.")
        )
    if expected is not None and expected != count:
        raise NoticeError(
            _l(
                "The number of people to send to has changed since you looked (%(count)s now). "
                "Check the numbers again before sending.",
                count=count,
            )
        )
    now = clock.now()
    send = NoticeSend(
        school_year=school_year,
        sent_by_account_id=actor.id if actor is not None else None,
        sent_at=now,
    )
    db.session.add(send)
    db.session.flush()
    notify_many(
        template=TEMPLATE,
        guardian_ids=pending,
        link="/rights",
        context={"notices": notice_for_every_language(), "school_year": school_year},
        now=now,
    )
    columns = Notification.__table__.c
    just_queued = (
        select(
            literal(school_year, NoticeRecipient.__table__.c.school_year.type),
            Notification.guardian_id,
            literal(send.id),
            Notification.id,
            queries.reading_language(available_locales()),
        )
        .join(Guardian, Guardian.id == Notification.guardian_id)
        .where(
            Notification.kind == TEMPLATE,
            columns.created_at == literal(now, columns.created_at.type),
            Notification.guardian_id.in_(pending),
        )
    )
    try:
        db.session.execute(
            insert(NoticeRecipient).from_select(
                ["school_year", "guardian_id", "notice_send_id", "notification_id", "language"],
                just_queued,
            )
        )
    except IntegrityError as error:
        # Someone else sent it to some of the same people a moment ago (the unique school year
        # and person): roll this send back whole rather than send anyone a second copy.
        raise NoticeError(
            _l(
                "The notice was sent by someone else just now. Check the numbers again "
                "before sending."
            )
        ) from error
    send.recipients, send.without_email = db.session.execute(
        select(
            func.count(),
            func.coalesce(
                func.sum(case((Notification.delivery_status == DeliveryStatus.NO_ADDRESS, 1))), 0
            ),
        )
        .select_from(NoticeRecipient)
        .join(Notification, Notification.id == NoticeRecipient.notification_id)
        .where(NoticeRecipient.notice_send_id == send.id)
    ).one()
    db.session.flush()
    record(actor, "notice.send", target=f"notice_send:{send.id}", as_service=actor is None)
    log.info(
        "notice send %s for %s: %s recipients, %s without email",
        send.id,
        school_year,
        send.recipients,
        send.without_email,
    )
    return send
