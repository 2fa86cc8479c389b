"""The second factor: a code from an authenticator app (TOTP, RFC 6238) after the password.

Who: the privacy office and principals, who can see the most, must use it when they sign in with
a password (`required_for`); anyone else, guardians included, may turn it on from their Account
page. A sign-in through the district's identity provider relies on the provider's own MFA, which
the district configures, so `required_for(account, method="sso")` is False.

The rules:
- a code is six digits for a 30-second time-step; the step before and after are accepted too (a
  phone's clock a little off), and never a step at or before the last one accepted, so a code
  seen over someone's shoulder cannot be used again (`matching_step`);
- a wrong code counts against the account's address like a wrong password, so the same lockout
  (consent.accounts.operations) stops guessing, and the form has the same rate limit;
- ten recovery codes, shown once and kept only as argon2 hashes, each sign in once;
- the privacy office can reset a person's second factor (the person is emailed); the person
  then signs in with the password and, where it is required, enrols again.
"""

import hmac
import logging
import re
import secrets
from datetime import datetime

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import delete, select

from consent.access import must_use_second_factor
from consent.accounts.models import Account, RecoveryCode
from consent.accounts.passwords import hash_password, verify_password
from consent.core import clock
from consent.core.errors import DomainError
from consent.extensions import db

log = logging.getLogger(__name__)

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1  # steps either side of now
RECOVERY_CODE_COUNT = 10
# Letters and digits nobody mistakes for one another when reading from paper.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10  # about 49 bits each
_CODE_RE = re.compile(r"[\s-]+")


class SecondFactorError(DomainError):
    pass


def required_for(account: Account, *, method: str = "password") -> bool:
    """Must this account confirm a sign-in by `method` with a second factor?

    Only password sign-ins: a sign-in through the district's provider ("sso") relies on the
    provider's MFA. The hook for single sign-on is here."""
    return must_use_second_factor(account, method=method)


def needs_second_step(account: Account, *, method: str = "password") -> bool:
    return account.has_second_factor or required_for(account, method=method)


def new_secret() -> str:
    return pyotp.random_base32(length=32)  # 160 bits, as RFC 4226 recommends


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)


def code_at(secret: str, moment: datetime) -> str:
    """The code an authenticator app shows at `moment` (for the demo's command and tests)."""
    return _totp(secret).at(moment)


def matching_step(secret: str, code: str, *, now: datetime, after: int | None) -> int | None:
    """The time-step `code` belongs to, within the window around `now` and later than `after`
    (the last step accepted); None when it matches none of them."""
    code = _CODE_RE.sub("", code or "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = _totp(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        # Every step is compared (no early exit), so the time taken says nothing.
        if hmac.compare_digest(totp.generate_otp(step), code) and (after is None or step > after):
            found = step
    return found


def looks_like_recovery_code(code: str) -> bool:
    compact = _CODE_RE.sub("", code or "").lower()
    return len(compact) == _RECOVERY_LENGTH and all(c in _RECOVERY_ALPHABET for c in compact)


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def issue_recovery_codes(account: Account, *, now: datetime) -> list[str]:
    """Ten new codes, replacing any old ones; returned once to show, kept only hashed."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(
            account_id=account.id, code_hash=hash_password(code.replace("-", "")), created_at=now
        )
        for code in codes
    )
    return codes


def use_recovery_code(account: Account, code: str, *, now: datetime) -> bool:
    """Spend one unused recovery code of `account`; False when `code` is none of them."""
    if not looks_like_recovery_code(code):
        return False
    compact = _CODE_RE.sub("", code).lower()
    unused = db.session.scalars(
        select(RecoveryCode)
        .where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))
        .with_for_update()
    ).all()
    for row in unused:
        if verify_password(row.code_hash, compact):
            row.used_at = now
            return True
    return False


def recovery_codes_left(account: Account) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def turn_on(account: Account, secret: str, code: str, *, now: datetime | None = None) -> list[str]:
    """Confirm enrolment with a current code from the app; returns the recovery codes."""
    now = now or clock.now()
    step = matching_step(secret, code, now=now, after=None)
    if step is None:
        raise SecondFactorError(
            _l(
                "That code does not match. Check that the app shows this account, and type "
                "the code again."
            )
        )
    account.totp_secret = secret
    account.totp_enabled_at = now
    account.totp_last_step = step
    log.info("account %s turned on its second factor", account.id)
    return issue_recovery_codes(account, now=now)


def turn_off(account: Account) -> None:
    account.totp_secret = None
    account.totp_enabled_at = None
    account.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    log.info("account %s second factor removed", account.id)


def check_code(account: Account, code: str, *, now: datetime) -> str | None:
    """ "totp" or "recovery" when `code` confirms the sign-in (and is spent); None otherwise."""
    if not account.has_second_factor:
        return None
    step = matching_step(account.totp_secret, code, now=now, after=account.totp_last_step)
    if step is not None:
        account.totp_last_step = step
        return "totp"
    if use_recovery_code(account, code, now=now):
        return "recovery"
    return None


def issuer() -> str:
    return current_app.config["DISTRICT_NAME"]


def provisioning_uri(secret: str, email: str) -> str:
    return _totp(secret).provisioning_uri(name=email, issuer_name=issuer())


def qr_svg(uri: str, *, label: str) -> Markup:
    """The enrolment QR code as inline SVG, drawn here: the key never leaves for an image
    service, and the strict CSP needs nothing new."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, light="#fff", omitsize=False)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1)
    # segno writes only its own path data and the escaped label: nothing from the request.
    return Markup(svg)  # noqa: S704


def grouped(secret: str) -> str:
    """The key in groups of four, easier to type."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
