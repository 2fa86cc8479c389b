"""Who may read what through the API (consent.api), and who manages integration tokens.

A district system presents its token as `Authorization: Bearer <token>`. A wrong, expired or
revoked token is answered 401 with no detail (which of the three is not said). A token reads
only what its scopes name, and only the students of its school when it has one: anything else
is answered exactly like a missing record (404) and audited as a refusal naming the
integration. The privacy office alone makes and revokes tokens."""

import hmac
from datetime import date

from flask import abort
from sqlalchemy import ColumnElement, select, true

from consent.access.policy import deny
from consent.accounts.models import Account, Role
from consent.audit.operations import record_integration_denied
from consent.catalog.models import Tool
from consent.extensions import db
from consent.integrations.models import TOKEN_MARK, IntegrationToken, Scope, secret_hash
from consent.roster.models import School, Student

# --- the office's pages -----------------------------------------------------------------------


def may_manage_integrations(actor: Account) -> bool:
    """The privacy office makes integration tokens, lists and revokes them."""
    return actor.role is Role.PRIVACY_OFFICER


def integration_or_404(actor: Account, token_id: int) -> IntegrationToken:
    """One integration token, for the privacy office only."""
    if not may_manage_integrations(actor):
        deny(actor, f"integration:{token_id}")
    token = db.session.get(IntegrationToken, token_id)
    if token is None:
        deny(actor, f"integration:{token_id}")
    return token


# --- the API: the token ------------------------------------------------------------------------


def _parse(authorization: str | None) -> tuple[str, str] | None:
    """(prefix, whole token) from an `Authorization: Bearer cst_<prefix>_<secret>` header."""
    if not authorization:
        return None
    kind, _, token = authorization.partition(" ")
    token = token.strip()
    if kind.lower() != "bearer" or not token or len(token) > 200:
        return None
    mark, _, rest = token.partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != TOKEN_MARK or not prefix or not secret:
        return None
    return prefix, token


def token_or_401(authorization: str | None, today: date) -> IntegrationToken:
    """The live token the header presents; 401 (no detail) for a missing, malformed, unknown,
    wrong, expired or revoked one."""
    parsed = _parse(authorization)
    if parsed is None:
        abort(401)
    prefix, whole = parsed
    token = db.session.scalar(select(IntegrationToken).where(IntegrationToken.prefix == prefix))
    # Compare the hashes in constant time even when no row matched, so timing tells nothing.
    stored = token.secret_hash if token is not None else "0" * 64
    if not hmac.compare_digest(stored, secret_hash(whole)) or token is None:
        abort(401)
    if token.revoked or token.expired(today):
        abort(401)
    return token


def deny_integration(token: IntegrationToken, target: str):
    record_integration_denied(token, target=target)
    abort(404)


def scope_or_404(token: IntegrationToken, *scopes: Scope, target: str) -> frozenset[Scope]:
    """The token holds at least one of `scopes` (those it holds are returned); else 404."""
    held = token.scope_set & set(scopes)
    if not held:
        deny_integration(token, target)
    return held


# --- the API: which records -------------------------------------------------------------------


def integration_students(token: IntegrationToken) -> ColumnElement[bool]:
    """SQL condition on `Student`: the token's students (its school's, or every school's)."""
    if token.school_id is None:
        return true()
    return Student.school_id == token.school_id


def integration_school_or_404(token: IntegrationToken, school_id: int | None) -> int | None:
    """A `school` filter the token may ask for: its own school, or any for a district token.
    Returns the school to narrow to (the token's own when none was asked)."""
    if school_id is None:
        return token.school_id
    if token.school_id is not None and school_id != token.school_id:
        deny_integration(token, f"school:{school_id}")
    if db.session.get(School, school_id) is None:
        deny_integration(token, f"school:{school_id}")
    return school_id


def integration_student_or_404(token: IntegrationToken, student_id: int) -> Student:
    student = db.session.scalar(
        select(Student).where(Student.id == student_id, integration_students(token))
    )
    if student is None:
        deny_integration(token, f"student:{student_id}")
    return student


def integration_tool_or_404(token: IntegrationToken, tool_id: int) -> Tool:
    """Any tool of the catalog (the catalog is the district's, the same for every school)."""
    tool = db.session.get(Tool, tool_id)
    if tool is None:
        deny_integration(token, f"tool:{tool_id}")
    return tool
