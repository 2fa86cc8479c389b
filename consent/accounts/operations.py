"""Signing in, signing out and resetting passwords."""

import logging

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from consent.accounts.models import Account, new_session_token
from consent.accounts.passwords import hash_password, needs_rehash, verify_password
from consent.db import utcnow
from consent.extensions import db
from consent.notifications.operations import notify

log = logging.getLogger(__name__)


def find_account(email: str) -> Account | None:
    return db.session.scalar(
        select(Account).where(func.lower(Account.email) == email.strip().lower())
    )


def authenticate(email: str, password: str) -> Account | None:
    """The account when email and password match an active account; None otherwise."""
    account = find_account(email)
    ok = verify_password(account.password_hash if account else None, password)
    if not ok or account is None or not account.active:
        log.info("sign-in refused for account %s", account.id if account else "unknown")
        return None
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    account.last_sign_in_at = utcnow()
    log.info("account %s signed in", account.id)
    return account


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(account: Account) -> str:
    # The session token changes with the password, so a used link cannot be used again.
    return _serializer().dumps({"a": account.id, "s": account.session_token[:16]})


def account_for_reset_token(token: str) -> Account | None:
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    account = db.session.get(Account, data.get("a"))
    if account is None or not account.active or account.session_token[:16] != data.get("s"):
        return None
    return account


def request_password_reset(email: str) -> None:
    """Queue a reset email when the account exists; say nothing either way."""
    account = find_account(email)
    if account is None or not account.active:
        return
    token = make_reset_token(account)
    person = {"guardian": account.guardian} if account.guardian else {"staff": account.staff}
    notify(template="accounts/password_reset", link=f"/password/reset/{token}", **person)


def set_password(account: Account, password: str) -> None:
    """A new password ends every other session of the account."""
    account.password_hash = hash_password(password)
    account.session_token = new_session_token()
    log.info("account %s changed its password", account.id)
