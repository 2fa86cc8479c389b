"""Writing notifications in the caller's transaction, and delivering them after commit.

A notification is a row first: the in-app inbox reads it, and `deliver_due` emails it later.
A failed send leaves the row pending with the error and a later retry time, so nothing is lost
while the mail server is down, and the request that caused the message never waits for SMTP.
A message that still cannot be delivered after the configured age (or number of attempts) is
marked failed, for the privacy office to see on the outbox page, instead of retried forever.
"""

import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Connection, Message
from sqlalchemy import Select, case, func, insert, literal, select, update

from consent.core import clock
from consent.core.i18n import available_locales
from consent.core.transaction import immediate_transactions, need_write_lock
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.roster.models import Guardian, Staff

log = logging.getLogger(__name__)

ADDRESS_RE = re.compile(r"[^\s<>'\"(),;]+@[^\s<>'\"(),;]+")


def absolute_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


SUBJECT_MAX = 255  # the column's width; long names and tool names must not make filing fail


def subject_line(text: str) -> str:
    """One line (a name can't start a new header), cut to fit the column with an ellipsis."""
    line = " ".join(text.split())
    return line if len(line) <= SUBJECT_MAX else line[: SUBJECT_MAX - 1] + "…"


def notify(
    *,
    template: str,
    link: str,
    guardian: Guardian | None = None,
    staff: Staff | None = None,
    optout_id: int | None = None,
    **context,
) -> Notification:
    """Render `emails/<template>.{subject.txt,txt,html}` for one person and queue it."""
    person = guardian or staff
    language = guardian.preferred_language if guardian else "en"
    locale = _locale_for(language)
    context.update(recipient=person, link=absolute_url(link))
    with force_locale(locale):
        subject = subject_line(render_template(f"emails/{template}.subject.txt", **context))
        body_text = render_template(f"emails/{template}.txt", **context)
        body_html = render_template(f"emails/{template}.html", **context)
    address = person.email or None
    notification = Notification(
        kind=template,
        guardian_id=guardian.id if guardian else None,
        staff_id=staff.id if staff else None,
        optout_id=optout_id,
        to_address=address,
        language=language,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        link=link,
        delivery_status=DeliveryStatus.PENDING if address else DeliveryStatus.NO_ADDRESS,
        attempts=0,
        next_attempt_at=clock.now(),
    )
    db.session.add(notification)
    return notification


def mark_read(*, actor, message: Notification) -> bool:
    """The recipient opened the message: keep when they first did. True if this was the first
    time. One guarded UPDATE, so two tabs opening it at once keep the earlier time."""
    if message.read_at is not None:
        return False
    message_id = message.id
    need_write_lock()  # a family's page reads without SQLite's write lock until it must write
    opened = db.session.execute(
        update(Notification)
        .where(Notification.id == message_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False, preserve_rowcount=True)
    )
    return bool(opened.rowcount)


def _locale_for(language: str) -> str:
    """A person's language once its catalog exists; until then wholly the district's default."""
    locales = available_locales()
    return language if language in locales else locales[0]


def notify_many(
    *,
    template: str,
    guardian_ids: Select,
    link: str,
    context: dict | None = None,
    now: datetime | None = None,
) -> int:
    """Queue `emails/<template>` for every guardian `guardian_ids` (a SELECT of ids) names,
    each in their language, as `notify` would one by one; returns how many were queued.

    Set-based, one INSERT ... SELECT per language the service speaks: a district-wide notice
    reaches a quarter of a million guardians, far too many for one ORM object (or one rendering)
    each. So the message names no one (`recipient` is None): one rendering serves a language."""
    now = now or clock.now()
    locales = available_locales()
    columns = Notification.__table__.c
    has_address = func.coalesce(Guardian.email, "") != ""
    queued = 0
    for locale in locales:
        values = dict(context or {}, recipient=None, link=absolute_url(link))
        with force_locale(locale):
            subject = subject_line(render_template(f"emails/{template}.subject.txt", **values))
            body_text = render_template(f"emails/{template}.txt", **values)
            body_html = render_template(f"emails/{template}.html", **values)
        # Guardians whose language has no catalog yet read the default, as with notify().
        speaks = (
            Guardian.preferred_language.not_in(locales[1:])
            if locale == locales[0]
            else Guardian.preferred_language == locale
        )
        rows = select(
            literal(now, columns.created_at.type),
            literal(template, columns.kind.type),
            Guardian.id,
            case((has_address, Guardian.email), else_=None),
            Guardian.preferred_language,
            literal(subject, columns.subject.type),
            literal(body_text, columns.body_text.type),
            literal(body_html, columns.body_html.type),
            literal(link, columns.link.type),
            case(
                (has_address, DeliveryStatus.PENDING.value),
                else_=DeliveryStatus.NO_ADDRESS.value,
            ),
            literal(0),
            literal(now, columns.next_attempt_at.type),
        ).where(Guardian.id.in_(guardian_ids), speaks)
        statement = insert(Notification).from_select(
            [
                "created_at",
                "kind",
                "guardian_id",
                "to_address",
                "language",
                "subject",
                "body_text",
                "body_html",
                "link",
                "delivery_status",
                "attempts",
                "next_attempt_at",
            ],
            rows,
        )
        # psycopg reports no row count for an INSERT ... SELECT unless asked to keep it.
        result = db.session.execute(statement.execution_options(preserve_rowcount=True))
        queued += max(result.rowcount or 0, 0)
    return queued


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    given_up: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.failed


def _backoff(attempts: int) -> timedelta:
    base = current_app.config["NOTIFICATION_BACKOFF_SECONDS"]
    ceiling = current_app.config["NOTIFICATION_BACKOFF_MAX_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), ceiling))


def _gives_up(notification: Notification, now: datetime) -> bool:
    """Past the age (or attempt count) at which retrying stops helping anyone."""
    max_age = timedelta(hours=current_app.config["NOTIFICATION_GIVE_UP_AFTER_HOURS"])
    max_attempts = current_app.config["NOTIFICATION_MAX_ATTEMPTS"]
    too_old = now - notification.created_at >= max_age
    return too_old or bool(max_attempts and notification.attempts >= max_attempts)


def _claim(now: datetime, tried: set[int], size: int) -> list[Notification]:
    """Lock a batch of due messages; on PostgreSQL other workers skip them (SKIP LOCKED) and
    take the next ones instead of sending these twice."""
    query = select(Notification).where(
        Notification.delivery_status == DeliveryStatus.PENDING,
        Notification.next_attempt_at <= now,
    )
    if tried:
        query = query.where(Notification.id.not_in(tried))
    return list(
        db.session.scalars(
            query.order_by(Notification.next_attempt_at, Notification.id)
            .limit(size)
            .with_for_update(skip_locked=True)
        )
    )


class TimedConnection(Connection):
    """Flask-Mail's connection with a timeout on its own socket: a mail server that accepts and
    then never answers cannot hang the worker (and nothing else in the process is affected)."""

    def __init__(self, mail_state, timeout: float):
        super().__init__(mail_state)
        self.timeout = timeout

    def configure_host(self) -> smtplib.SMTP:
        state = self.mail
        smtp_class = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
        host = smtp_class(state.server, state.port, timeout=self.timeout)
        try:
            host.set_debuglevel(int(state.debug))
            if state.use_tls:
                host.starttls()
            if state.username and state.password:
                host.login(state.username, state.password)
        except BaseException:
            host.close()
            raise
        return host

    def open(self) -> "TimedConnection":
        self.host = None if self.mail.suppress else self.configure_host()
        return self

    def close(self) -> None:
        host, self.host = self.host, None
        if host is None:
            return
        try:
            host.quit()
        except (smtplib.SMTPException, OSError):
            host.close()


class Outgoing:
    """One SMTP connection for a whole pass, opened when first needed and dropped after a
    failure, so thousands of messages do not each pay for a new connection. When the server
    cannot be reached at all, the rest of the pass fails at once with the same error instead of
    waiting out the timeout once per message."""

    def __init__(self):
        self.connection: TimedConnection | None = None
        self.unreachable: Exception | None = None

    def send(self, message: Message) -> Exception | None:
        """None when the server took the message, else the error."""
        if self.unreachable is not None:
            return self.unreachable
        if self.connection is None:
            state = current_app.extensions["mail"]
            timeout = current_app.config["MAIL_TIMEOUT_SECONDS"]
            try:
                self.connection = TimedConnection(state, timeout).open()
            except Exception as error:  # noqa: BLE001 - any failure: try again later
                self.unreachable = error
                return error
        try:
            self.connection.send(message)
        except Exception as error:  # noqa: BLE001 - any failure: try again later
            self.close()
            return error
        return None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def message_id(notification: Notification) -> str:
    """The same Message-ID for every attempt at one notification, so a receiving server can tell
    a retry after a crash from a new message."""
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "consent.invalid"
    stamp = int(notification.created_at.timestamp() * 1_000_000)
    return f"<notification.{notification.id}.{stamp}@{host}>"


def _message(notification: Notification) -> Message:
    message = Message(
        subject=notification.subject,
        recipients=[notification.to_address],
        body=notification.body_text,
        html=notification.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    message.msgId = message_id(notification)
    return message


def _holds_row_locks() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


#: Messages claimed, sent and committed together. A worker that dies mid-batch sends at most
#: this many again (each with its same Message-ID, so receiving servers can tell).
BATCH = 50


def deliver_due(*, now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """Email every pending notification whose time has come, in batches of BATCH.

    On PostgreSQL a batch stays locked until its results are committed, so a second worker
    skips it. SQLite has no row locks (a file lock keeps its worker alone, see cli.py), so there
    the transaction ends before talking to the mail server: a slow server must not hold the
    database's write lock.
    """
    report = DeliveryReport()
    tried: set[int] = set()
    outgoing = Outgoing()
    with immediate_transactions():
        try:
            while report.handled < limit:
                moment = now or clock.now()
                batch = _claim(moment, tried, min(BATCH, limit - report.handled))
                if not batch:
                    break
                tried.update(n.id for n in batch)
                messages = [(n, _message(n)) for n in batch]
                if not _holds_row_locks():
                    db.session.commit()
                # Send the whole batch first, then write the outcomes: on SQLite writing takes
                # the database's write lock, which must not be held while SMTP is slow.
                outcomes = [
                    (notification, outgoing.send(message)) for notification, message in messages
                ]
                _record_deliveries([n.id for n, error in outcomes if error is None], report)
                for notification, error in outcomes:
                    if error is not None:
                        _record_failure(notification, error, moment, report)
                db.session.commit()
            # End the last (empty) claim too: an open transaction would keep SQLite's write lock,
            # or a PostgreSQL snapshot, held while the worker waits for its next pass.
            db.session.commit()
        finally:
            outgoing.close()
    return report


def _record_deliveries(ids: list[int], report: DeliveryReport) -> None:
    """Mark a batch sent in one statement."""
    if not ids:
        return
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(ids))
        .values(
            attempts=Notification.attempts + 1,
            delivery_status=DeliveryStatus.SENT,
            sent_at=clock.now(),
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    report.sent += len(ids)
    log.info("notifications delivered: %s", ",".join(map(str, ids)))


def _record_failure(
    notification: Notification, error: Exception, moment: datetime, report: DeliveryReport
) -> None:
    notification.attempts += 1
    # SMTP errors can quote the recipient; keep the reason, not the address.
    reason = ADDRESS_RE.sub("<address>", str(error))
    notification.last_error = f"{type(error).__name__}: {reason}"[:1000]
    notification.next_attempt_at = moment + _backoff(notification.attempts)
    report.failed += 1
    if _gives_up(notification, moment):
        notification.delivery_status = DeliveryStatus.FAILED
        report.given_up += 1
        log.error(
            "notification %s failed for good after %s attempts (%s)",
            notification.id,
            notification.attempts,
            type(error).__name__,
        )
        return
    log.warning(
        "notification %s not delivered (attempt %s, %s)",
        notification.id,
        notification.attempts,
        type(error).__name__,
    )
