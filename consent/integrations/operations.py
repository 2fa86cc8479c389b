"""Making and revoking integration tokens (the privacy office's only writes here)."""

import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consent.access import may_manage_integrations
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.core import clock
from consent.core.errors import DomainError
from consent.extensions import db
from consent.integrations.models import TOKEN_MARK, IntegrationToken, Scope, secret_hash
from consent.roster.models import School

#: The longest a token may live: a year, then the office makes a new one.
LONGEST_DAYS = 366


class IntegrationError(DomainError):
    """A token the rules refuse; the message (translatable) is shown on the form."""


@dataclass(frozen=True)
class Made:
    """A new token and its secret: the only time the secret exists outside the caller."""

    token: IntegrationToken
    secret: str


def create_token(
    *,
    actor: Account,
    name: str,
    scopes: list[str],
    school_id: int | None,
    expires_on: date | None,
) -> Made:
    if not may_manage_integrations(actor):
        raise IntegrationError(_l("Only the privacy office makes integration tokens."))
    name = (name or "").strip()
    if not name:
        raise IntegrationError(_l("Name the system that will use the token."))
    chosen = [scope for scope in Scope if scope.value in set(scopes or ())]
    if not chosen:
        raise IntegrationError(_l("Choose at least one thing the system may read."))
    today = clock.today()
    if expires_on is None or expires_on < today:
        raise IntegrationError(_l("Choose an expiry date from today on."))
    if (expires_on - today).days > LONGEST_DAYS:
        raise IntegrationError(_l("A token may live a year at most: choose an earlier date."))
    if school_id is not None and db.session.get(School, school_id) is None:
        raise IntegrationError(_l("Choose a school of the district, or the whole district."))
    prefix = secrets.token_hex(6)
    while db.session.scalar(select(IntegrationToken.id).where(IntegrationToken.prefix == prefix)):
        prefix = secrets.token_hex(6)  # pragma: no cover - 48 random bits
    secret = f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    token = IntegrationToken(
        name=name[:120],
        prefix=prefix,
        secret_hash=secret_hash(secret),
        scopes=" ".join(scope.value for scope in chosen),
        school_id=school_id,
        expires_on=expires_on,
        created_by_account_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    record(actor, "integration.created", target=token.label)
    return Made(token=token, secret=secret)


def revoke_token(*, actor: Account, token: IntegrationToken) -> None:
    if not may_manage_integrations(actor):
        raise IntegrationError(_l("Only the privacy office revokes integration tokens."))
    if token.revoked:
        raise IntegrationError(_l("This token was already revoked."))
    token.revoked_at = clock.now()
    token.revoked_by_account_id = actor.id
    db.session.flush()
    record(actor, "integration.revoked", target=token.label)
