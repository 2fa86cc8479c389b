"""Signing in, signing out and resetting passwords.

Every refused sign-in is counted against its email address; the SIGNIN_LOCKOUT_THRESHOLD-th
failure within SIGNIN_LOCKOUT_WINDOW locks it, and while it is locked even the right password
is refused. Unknown addresses are counted and locked alike, so neither the answer nor the time
it takes tells whether an address has an account. The account holder is emailed once when the
lockout begins; a password reset lifts it.
"""

import enum
import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from consent.access import may_sign_in_with_password
from consent.accounts import sessions, totp
from consent.accounts.models import Account, SignInFailure, new_session_token
from consent.accounts.passwords import hash_password, needs_rehash, verify_password
from consent.audit.operations import record
from consent.core import clock
from consent.core.i18n import available_locales
from consent.extensions import db
from consent.notifications.operations import notify

log = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    SIGNED_IN = "signed_in"
    REFUSED = "refused"
    LOCKED = "locked"
    # The password is right; a code from the app (or a recovery code) must follow.
    SECOND_FACTOR = "second_factor"
    # The password is right, and the account must set up its second factor before anything.
    ENROL = "enrol"


@dataclass
class SignInResult:
    outcome: Outcome
    account: Account | None = None
    recovery_codes: list[str] | None = None


def find_account(email: str) -> Account | None:
    return db.session.scalar(
        select(Account).where(func.lower(Account.email) == email.strip().lower())
    )


def email_digest(email: str) -> str:
    """A keyed hash of the address: failures are counted per address without storing it."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _target(account: Account | None) -> str:
    return f"account:{account.id}" if account else ""


def recent_failures(digest: str, *, now: datetime) -> int:
    since = now - current_app.config["SIGNIN_LOCKOUT_WINDOW"]
    return db.session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.email_digest == digest, SignInFailure.at > since)
    )


def is_locked(email: str, *, now: datetime | None = None) -> bool:
    threshold = current_app.config["SIGNIN_LOCKOUT_THRESHOLD"]
    return recent_failures(email_digest(email), now=now or clock.now()) >= threshold


def _person(account: Account) -> dict:
    return {"guardian": account.guardian} if account.guardian else {"staff": account.staff}


def _count_failure(digest: str, account: Account | None, *, now: datetime) -> None:
    """Count one failure; the one that reaches the threshold starts a lockout (and its email)."""
    window = current_app.config["SIGNIN_LOCKOUT_WINDOW"]
    if account is not None:
        # Serialise concurrent failures of one account, so the lockout email goes out once.
        db.session.execute(select(Account.id).where(Account.id == account.id).with_for_update())
    db.session.execute(
        delete(SignInFailure).where(
            SignInFailure.email_digest == digest, SignInFailure.at <= now - window
        )
    )
    db.session.add(SignInFailure(email_digest=digest, at=now))
    db.session.flush()
    if recent_failures(digest, now=now) == current_app.config["SIGNIN_LOCKOUT_THRESHOLD"]:
        record(None, "accounts.lockout", target=_target(account))
        log.warning("sign-in locked for account %s", account.id if account else "unknown")
        if account is not None and account.active:
            notify(template="accounts/account_locked", link="/password/forgot", **_person(account))


def sign_in(
    email: str, password: str, *, now: datetime | None = None, second_step: bool = False
) -> SignInResult:
    """Check a sign-in. The caller commits in every case: failures must be counted.

    With `second_step`, an account that needs a second factor (consent.accounts.totp) is not
    signed in yet: the result says which step comes next, and nothing is recorded as a sign-in.
    """
    now = now or clock.now()
    account = find_account(email)
    digest = email_digest(email)
    # Always verify (a dummy hash for an unknown address), so every path takes as long.
    ok = verify_password(account.password_hash if account else None, password)
    locked = recent_failures(digest, now=now) >= current_app.config["SIGNIN_LOCKOUT_THRESHOLD"]
    if locked or not ok or account is None or not account.active:
        if not locked:  # counting refused tries too would let anyone keep the lock on for ever
            _count_failure(digest, account, now=now)
        action = "accounts.signin_locked" if locked else "accounts.signin_failed"
        record(None, action, target=_target(account))
        log.info("sign-in refused for account %s", account.id if account else "unknown")
        return SignInResult(Outcome.LOCKED if locked else Outcome.REFUSED)
    if not may_sign_in_with_password(account):
        # The district has staff sign in with its provider: the right password is no way in.
        record(None, "accounts.signin_password_off", target=_target(account))
        log.info("password sign-in refused for staff account %s: SSO only", account.id)
        return SignInResult(Outcome.REFUSED)
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
        log.info("account %s password hash upgraded", account.id)
    if second_step and totp.needs_second_step(account):
        if account.has_second_factor:
            return SignInResult(Outcome.SECOND_FACTOR, account)
        return SignInResult(Outcome.ENROL, account)
    _signed_in(account, now=now)
    return SignInResult(Outcome.SIGNED_IN, account)


def _signed_in(account: Account, *, now: datetime) -> None:
    account.last_sign_in_at = now
    record(account, "accounts.signin", target=_target(account))
    log.info("account %s signed in", account.id)


def sign_in_browser(*, actor, email: str, password: str, user_agent: str = "") -> SignInResult:
    """A sign-in from the form: checked, and when it succeeds the browser's server-side session
    starts in the same transaction. A refused one is counted, so the caller commits either way.
    An account with a second factor gets no session yet: `confirm_second_factor` starts it.

    `actor` is the visitor at the form, nobody yet: the password says who they are."""
    result = sign_in(email, password, second_step=True)
    if result.outcome is Outcome.SIGNED_IN:
        sessions.start(result.account, user_agent=user_agent)
    return result


def pending_account(account_id, token_part) -> Account | None:
    """The account whose password was just accepted in this browser (the signed cookie says
    which); None once the password changed or the account was deactivated since."""
    account = db.session.get(Account, account_id) if isinstance(account_id, int) else None
    if account is None or not account.active or account.session_token[:16] != token_part:
        return None
    return account


def _second_step_refused(account: Account, *, now: datetime) -> bool:
    """True (and audited) when the address is locked: no code is even checked."""
    if (
        recent_failures(email_digest(account.email), now=now)
        >= current_app.config["SIGNIN_LOCKOUT_THRESHOLD"]
    ):
        record(None, "accounts.signin_locked", target=_target(account))
        return True
    return False


def _second_step_failed(account: Account, *, now: datetime) -> None:
    _count_failure(email_digest(account.email), account, now=now)
    record(None, "accounts.second_factor_failed", target=_target(account))
    log.info("account %s second factor refused", account.id)


def confirm_second_factor(
    *, actor, account: Account, code: str, user_agent: str = ""
) -> SignInResult:
    """The second step of a password sign-in: a current code from the app, or one unused
    recovery code, starts the session. A wrong or replayed code counts like a wrong password;
    the caller commits either way."""
    now = clock.now()
    if _second_step_refused(account, now=now):
        return SignInResult(Outcome.LOCKED)
    used = totp.check_code(account, code, now=now)
    if used is None:
        _second_step_failed(account, now=now)
        return SignInResult(Outcome.REFUSED)
    action = "accounts.recovery_code_used" if used == "recovery" else "accounts.second_factor_used"
    record(account, action, target=_target(account))
    _signed_in(account, now=now)
    sessions.start(account, user_agent=user_agent)
    return SignInResult(Outcome.SIGNED_IN, account)


def enrol_at_sign_in(
    *, actor, account: Account, secret: str, code: str, user_agent: str = ""
) -> SignInResult:
    """An account that must have a second factor sets it up right after its password: a code
    from the app confirms the key, the session starts, and the recovery codes come back to be
    shown once. A wrong code counts like a wrong password."""
    now = clock.now()
    if _second_step_refused(account, now=now):
        return SignInResult(Outcome.LOCKED)
    try:
        codes = totp.turn_on(account, secret, code, now=now)
    except totp.SecondFactorError:
        _second_step_failed(account, now=now)
        return SignInResult(Outcome.REFUSED)
    record(account, "accounts.second_factor_enrolled", target=_target(account))
    _signed_in(account, now=now)
    sessions.start(account, user_agent=user_agent)
    return SignInResult(Outcome.SIGNED_IN, account, recovery_codes=codes)


def turn_on_second_factor(*, actor: Account, secret: str, code: str) -> list[str]:
    """From the Account page: confirmed with a current code; returns the recovery codes."""
    codes = totp.turn_on(actor, secret, code)
    record(actor, "accounts.second_factor_enrolled", target=_target(actor))
    return codes


def turn_off_second_factor(*, actor: Account, code: str) -> None:
    """Anyone for whom it is optional may turn it off, with a current code."""
    if totp.required_for(actor):
        raise totp.SecondFactorError(
            _l("Your role must confirm each sign-in with a code: it cannot be turned off.")
        )
    if totp.check_code(actor, code, now=clock.now()) is None:
        raise totp.SecondFactorError(_l("That code does not match."))
    totp.turn_off(actor)
    record(actor, "accounts.second_factor_removed", target=_target(actor))


def renew_recovery_codes(*, actor: Account, code: str) -> list[str]:
    """Ten new recovery codes for the old ones (used up, or shown to someone), confirmed with a
    current code; the old codes stop working."""
    if totp.check_code(actor, code, now=clock.now()) is None:
        raise totp.SecondFactorError(_l("That code does not match."))
    record(actor, "accounts.recovery_codes_renewed", target=_target(actor))
    return totp.issue_recovery_codes(actor, now=clock.now())


def reset_second_factor(*, actor: Account, email: str) -> Account:
    """The privacy office removes a person's second factor (a lost phone, no recovery codes
    left). The person is emailed; where it is required, they set it up at their next sign-in."""
    account = find_account(email)
    if account is None or not account.has_second_factor:
        raise totp.SecondFactorError(_l("No account with that email uses a second factor."))
    totp.turn_off(account)
    record(actor, "accounts.second_factor_reset", target=_target(account))
    notify(template="accounts/second_factor_reset", link="/signin", **_person(account))
    return account


def authenticate(email: str, password: str) -> Account | None:
    """The account when email and password match an active, unlocked account; None otherwise."""
    return sign_in(email, password).account


def sign_out(*, actor: Account) -> None:
    current = sessions.current()
    if current is not None:
        sessions.end(current)
    record(actor, "accounts.signout", target=_target(actor))
    log.info("account %s signed out", actor.id)


def sign_out_other_sessions(*, actor: Account) -> int:
    ended = sessions.end_all(actor, keep=sessions.current())
    record(actor, "accounts.other_sessions_ended", target=_target(actor))
    return ended


def set_language(*, actor: Account, language: str) -> bool:
    """A guardian's choice of language for pages and emails; False (nothing changes) when
    the language is not one the service speaks, or the account is not a guardian's."""
    if actor.guardian is None or language not in available_locales():
        return False
    if actor.guardian.preferred_language != language:
        actor.guardian.preferred_language = language
        record(actor, "accounts.language_changed", target=_target(actor))
    return True


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


def request_password_reset(*, actor, email: str) -> None:
    """Queue a reset email when the account exists; say nothing either way, and take as long.

    `actor` is whoever typed the address; only the link in the email proves who they are."""
    account = find_account(email)
    if account is None or not account.active:
        # Do the same work as for a real account (the email's rendering), and throw it away.
        stand_in = SimpleNamespace(given_name="", family_name="", full_name="", email="")
        for part in ("subject.txt", "txt", "html"):
            render_template(
                f"emails/accounts/password_reset.{part}", recipient=stand_in, link="/password/"
            )
        return
    token = make_reset_token(account)
    notify(template="accounts/password_reset", link=f"/password/reset/{token}", **_person(account))


def set_password(account: Account, password: str) -> None:
    """A new password ends every session of the account, copied cookies included, and lifts a
    lockout. The caller starts a new session when the person stays signed in."""
    account.password_hash = hash_password(password)
    account.session_token = new_session_token()
    sessions.end_all(account)
    db.session.execute(
        delete(SignInFailure).where(SignInFailure.email_digest == email_digest(account.email))
    )
    log.info("account %s changed its password", account.id)


def reset_password(*, actor, account: Account, password: str) -> None:
    """`account` is the one the emailed link was for (the link proves it), whoever `actor` is;
    the browser is signed out and signs in with the new password."""
    set_password(account, password)
    record(account, "accounts.password_reset", target=_target(account))


def change_password(
    *, actor: Account, current_password: str, new_password: str, user_agent: str = ""
) -> bool:
    """Change the password of a signed-in person who knows the current one; False if not.

    Every session ends with the old password, this browser's too: a copy of its cookie must not
    outlive the change. This browser gets a new session in the same transaction."""
    if not verify_password(actor.password_hash, current_password):
        record(actor, "accounts.password_change_failed", target=_target(actor))
        log.info("account %s password change refused", actor.id)
        return False
    set_password(actor, new_password)
    record(actor, "accounts.password_changed", target=_target(actor))
    sessions.start(actor, user_agent=user_agent)
    return True
