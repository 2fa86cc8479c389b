"""Shared helpers for the accounts tests."""

import re

from sqlalchemy import select

from consent.extensions import db
from consent.notifications.operations import deliver_due
from tests.support import DEMO_PASSWORD, PERSONAS, Browser, csrf_from, make_app, mark_backlog_sent

__all__ = ["DEMO_PASSWORD", "PERSONAS", "Browser", "csrf_from", "make_app"]

RESET_LINK_RE = re.compile(r"http://consent\.test/password/reset/[A-Za-z0-9_\-.]+")


def account_row(app, persona: str):
    """(id, password_hash, session_token) of a persona's account, read fresh from the table."""
    from consent.accounts.models import Account

    with app.app_context():
        row = db.session.execute(
            select(Account.id, Account.password_hash, Account.session_token).where(
                Account.email == PERSONAS[persona]
            )
        ).one()
        db.session.remove()
    return row


def mail_ready(app, smtp) -> None:
    """Make deliver_due() really talk to the loopback SMTP server, with an empty outbox.

    The demo's own queued notifications are marked sent so a test sees only the mail it causes.
    """
    mark_backlog_sent(app)
    smtp.messages.clear()
    smtp.envelopes.clear()


def deliver(app) -> None:
    with app.app_context():
        deliver_due()
        db.session.remove()


def parts(message) -> dict[str, str]:
    """{"text/plain": ..., "text/html": ...} of an email, decoded."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        payload = part.get_payload(decode=True)
        charset = part.get_content_charset() or "utf-8"
        found[part.get_content_type()] = payload.decode(charset)
    return found
