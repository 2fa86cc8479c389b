"""Writing notifications in the caller's transaction, and delivering them after commit.

A notification is a row first: the in-app inbox reads it, and `deliver_due` emails it later.
A failed send leaves the row pending with the error and a later retry time, so nothing is lost
while the mail server is down, and the request that caused the message never waits for SMTP.
"""

import logging
import re
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import select

from consent import available_locales
from consent.db import utcnow
from consent.extensions import db, mail
from consent.notifications.models import DeliveryStatus, Notification
from consent.roster.models import Guardian, Staff

log = logging.getLogger(__name__)

ADDRESS_RE = re.compile(r"[^\s<>'\"(),;]+@[^\s<>'\"(),;]+")


def absolute_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


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
    # Written in the person's language once its catalog exists; until then wholly in English.
    locale = language if language in available_locales() else available_locales()[0]
    context.update(recipient=person, link=absolute_url(link))
    with force_locale(locale):
        subject = render_template(f"emails/{template}.subject.txt", **context).strip()
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
        next_attempt_at=utcnow(),
    )
    db.session.add(notification)
    return notification


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0


def _backoff(attempts: int) -> timedelta:
    base = current_app.config["NOTIFICATION_BACKOFF_SECONDS"]
    ceiling = current_app.config["NOTIFICATION_BACKOFF_MAX_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), ceiling))


def _claim_next(now: datetime, tried: set[int]) -> Notification | None:
    """Lock one due message; on PostgreSQL other workers skip it instead of sending it twice."""
    query = select(Notification).where(
        Notification.delivery_status == DeliveryStatus.PENDING,
        Notification.next_attempt_at <= now,
    )
    if tried:
        query = query.where(Notification.id.not_in(tried))
    return db.session.scalar(
        query.order_by(Notification.next_attempt_at, Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def _send(notification: Notification) -> None:
    message = Message(
        subject=notification.subject,
        recipients=[notification.to_address],
        body=notification.body_text,
        html=notification.body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    previous = socket.getdefaulttimeout()
    # Flask-Mail opens smtplib connections without a timeout; a silent server must not hang us.
    socket.setdefaulttimeout(current_app.config["MAIL_TIMEOUT_SECONDS"])
    try:
        mail.send(message)
    finally:
        socket.setdefaulttimeout(previous)


def deliver_due(*, now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """Email every pending notification whose time has come; one transaction per message."""
    report = DeliveryReport()
    tried: set[int] = set()
    for _ in range(limit):
        moment = now or utcnow()
        notification = _claim_next(moment, tried)
        if notification is None:
            break
        tried.add(notification.id)
        try:
            _send(notification)
        except Exception as error:  # noqa: BLE001 - any failure means "try again later"
            notification.attempts += 1
            # SMTP errors can quote the recipient; keep the reason, not the address.
            reason = ADDRESS_RE.sub("<address>", str(error))
            notification.last_error = f"{type(error).__name__}: {reason}"[:1000]
            notification.next_attempt_at = moment + _backoff(notification.attempts)
            report.failed += 1
            log.warning(
                "notification %s not delivered (attempt %s, %s)",
                notification.id,
                notification.attempts,
                type(error).__name__,
            )
        else:
            notification.attempts += 1
            notification.delivery_status = DeliveryStatus.SENT
            notification.sent_at = utcnow()
            notification.last_error = None
            report.sent += 1
            log.info("notification %s delivered", notification.id)
        db.session.commit()
    return report
