"""Server-side sessions: the record that makes a signed-in browser signed in.

Flask's cookie is signed, not revocable: a copy of it works until it expires. So the cookie
carries only a random key, and each request looks that key up here (by its SHA-256). A session
ends after SESSION_IDLE_TIMEOUT without a request, SESSION_ABSOLUTE_TIMEOUT after sign-in, at
sign-out, when its person signs out their other sessions, when the password changes, and when
the account is deactivated: the cookie, wherever it was copied, then signs no one in.
"""

import hashlib
import logging
import re
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app, g
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, delete, select, update

from consent.access import unread_count_of_account
from consent.accounts.models import Account, AccountSession
from consent.core import clock
from consent.core.transaction import need_write_lock
from consent.extensions import db

log = logging.getLogger(__name__)

# last_seen_at is written at most this often: a write a minute, not one per page.
TOUCH_EVERY = timedelta(minutes=1)
# Ended sessions are kept this long for the person's "recent sessions" view, then removed.
KEEP_ENDED = timedelta(days=30)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return config["SESSION_IDLE_TIMEOUT"], config["SESSION_ABSOLUTE_TIMEOUT"]


#: A session that still signs its browser in, given the bounds of `live_bounds`.
LIVE = (
    AccountSession.revoked_at.is_(None),
    AccountSession.last_seen_at > bindparam("seen_after"),
    AccountSession.created_at > bindparam("started_after"),
)


def live_bounds(now: datetime) -> dict[str, datetime]:
    """The parameters of `LIVE` at `now`: the idle and the absolute timeout."""
    idle, absolute = _limits()
    return {"seen_after": now - idle, "started_after": now - absolute}


def start(account: Account, *, user_agent: str = "", now: datetime | None = None) -> str:
    """A new session for `account`; returns the key for the cookie (shown once, never stored)."""
    now = now or clock.now()
    key = secrets.token_urlsafe(32)
    db.session.execute(
        delete(AccountSession).where(
            AccountSession.account_id == account.id,
            AccountSession.created_at < now - KEEP_ENDED,
        )
    )
    record = AccountSession(
        account_id=account.id,
        key_hash=_hash(key),
        created_at=now,
        last_seen_at=now,
        user_agent=summarize_user_agent(user_agent),
    )
    db.session.add(record)
    db.session.flush()
    account.session_key = key
    g.account_session = record
    log.info("account %s started session %s", account.id, record.id)
    return key


@cache
def _signed_in_by_key() -> Select:
    """Asked before every page: built once, so a request pays only for running it. It brings
    the count of unread messages the menu shows, so no page pays a statement for it."""
    return (
        select(Account, AccountSession, unread_count_of_account())
        .join(AccountSession, AccountSession.account_id == Account.id)
        .where(AccountSession.key_hash == bindparam("key_hash"), Account.active.is_(True), *LIVE)
    )


def load(key: str | None, *, now: datetime | None = None) -> Account | None:
    """The active account whose live session has this key; None for anything else."""
    if not key or len(key) > 128:
        return None
    bounds = live_bounds(now or clock.now())
    row = db.session.execute(_signed_in_by_key(), {"key_hash": _hash(key), **bounds}).first()
    if row is None:
        return None
    account, record, unread = row
    account.session_key = key
    account.unread_messages = unread
    g.account_session = record
    return account


def current() -> AccountSession | None:
    return g.get("account_session")


def touch(*, now: datetime | None = None) -> None:
    """Note that the current session was used, so the idle timeout counts from now.

    Runs before the view and commits with the request (consent.core.transaction)."""
    record = current()
    now = now or clock.now()
    if record is None or now - record.last_seen_at < TOUCH_EVERY:
        return
    record_id = record.id
    need_write_lock()
    db.session.execute(
        update(AccountSession).where(AccountSession.id == record_id).values(last_seen_at=now)
    )


def end(record: AccountSession, *, now: datetime | None = None) -> None:
    db.session.execute(
        update(AccountSession)
        .where(AccountSession.id == record.id, AccountSession.revoked_at.is_(None))
        .values(revoked_at=now or clock.now())
    )
    log.info("session %s ended", record.id)


def end_all(account: Account, *, keep: AccountSession | None = None, now=None) -> int:
    """End every live session of `account` but `keep`; returns how many ended."""
    query = update(AccountSession).where(
        AccountSession.account_id == account.id, AccountSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(AccountSession.id != keep.id)
    ended = db.session.execute(query.values(revoked_at=now or clock.now())).rowcount
    log.info("account %s: %s sessions ended", account.id, ended)
    return ended


def live_sessions(account: Account, *, now: datetime | None = None) -> list[AccountSession]:
    """The person's signed-in browsers, most recently used first (a handful: they expire)."""
    return list(
        db.session.scalars(
            select(AccountSession)
            .where(AccountSession.account_id == account.id, *LIVE)
            .order_by(AccountSession.last_seen_at.desc(), AccountSession.id.desc())
            .limit(100),
            live_bounds(now or clock.now()),
        )
    )


_BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
)
_SYSTEMS = (
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("ChromeOS", r"CrOS"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux"),
)


_ON = " on "


def summarize_user_agent(user_agent: str) -> str:
    """ "Firefox on Windows": a person recognises the device; nothing more is kept."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, user_agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), "")
    if browser and system:
        return f"{browser}{_ON}{system}"
    return browser or system


def device_label(summary: str) -> str:
    """The stored "Firefox on Windows", said in the reader's language."""
    browser, on, system = summary.partition(_ON)
    if not on:
        return summary
    return _("%(browser)s on %(system)s", browser=browser, system=system)
