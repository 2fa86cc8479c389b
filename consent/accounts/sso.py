"""Staff sign-in with the district's OpenID Connect provider (Google Workspace, Microsoft Entra
ID, Clever, ClassLink...), through Authlib.

Authorization Code flow with PKCE (S256), `state` and `nonce`; the provider is found by its
issuer's discovery document. The ID token's signature (the provider's published keys), issuer,
audience, nonce, `at_hash` and times are checked, the times against the district's clock
(consent.core.clock). The person is then matched to an active roster staff record by
OIDC_MATCH_CLAIM; the role always comes from the roster, never from the provider. A matched
staff member without an account gets one; the session is the same server-side session a
password sign-in starts (consent.accounts.sessions), so sign-out and deactivation end it alike.
"""

import enum
import logging
from dataclasses import dataclass

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from authlib.oidc.core import CodeIDToken
from flask import Flask, current_app, url_for
from joserfc.errors import JoseError
from sqlalchemy import func, select

from consent.accounts import sessions
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.core import clock
from consent.extensions import db
from consent.roster.models import Staff

log = logging.getLogger(__name__)

PROVIDER = "district"
SCOPES = "openid email profile"
# Clock skew allowed between the provider and us when checking the ID token's times.
LEEWAY_SECONDS = 60
# Never a password: argon2 cannot parse it, so no password signs in to an account made by SSO
# until its person sets one (when the district allows staff passwords).
NO_PASSWORD = "!sso"  # noqa: S105 - a marker no hash matches, not a password
# In the signed session cookie: this browser signed in through the provider (for sign-out).
SIGNED_IN_WITH_SSO = "sso"


class ProviderDown(Exception):
    """The provider did not answer (discovery, keys or token endpoint)."""


class ProviderAnswerRefused(Exception):
    """The provider's answer did not pass the checks: state, nonce, signature, audience, times."""


class ClockedIDToken(CodeIDToken):
    """An ID token whose times are checked against the district's clock, not the machine's."""

    def validate(self, now=None, leeway=0):
        super().validate(now=int(clock.now().timestamp()), leeway=leeway)


def configured(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def provider_name() -> str | None:
    """The district's name for its provider, when staff can sign in with it."""
    return current_app.config["OIDC_PROVIDER_NAME"] if configured() else None


def _registry(app: Flask) -> OAuth:
    """One Authlib registry per app, made at first use (tests give each app its own provider);
    it keeps the provider's discovery document and keys once fetched."""
    registry = app.extensions.get("consent_oidc")
    if registry is None:
        config = app.config
        registry = OAuth(app)
        registry.register(
            PROVIDER,
            client_id=config["OIDC_CLIENT_ID"],
            client_secret=config["OIDC_CLIENT_SECRET"],
            server_metadata_url=(
                config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration"
            ),
            client_kwargs={
                "scope": SCOPES,
                "code_challenge_method": "S256",
                "default_timeout": config["OIDC_TIMEOUT_SECONDS"],
            },
        )
        app.extensions["consent_oidc"] = registry
    return registry


def client():
    return _registry(current_app._get_current_object()).create_client(PROVIDER)


def redirect_uri() -> str:
    """The callback address registered with the provider: PUBLIC_URL + /signin/sso/callback."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("accounts.signin_sso_callback")


def authorize_redirect():
    """The redirect to the provider; state, nonce and the PKCE verifier wait in the session."""
    try:
        return client().authorize_redirect(redirect_uri())
    except requests.RequestException as error:
        log.warning("OIDC discovery failed: %s", type(error).__name__)
        raise ProviderDown from error


def id_token_checks() -> dict:
    """How the callback checks an ID token (Authlib's arguments): issued by the configured
    issuer, for this service (`aud` holds our client id), times by the district's clock.
    Signature, nonce, `azp` and `at_hash` Authlib checks in every case."""
    issuer = client().load_server_metadata().get("issuer", "")
    if issuer.rstrip("/") != current_app.config["OIDC_ISSUER"].rstrip("/"):
        # OpenID Connect Discovery 4.3: the document must be the configured issuer's own.
        raise ProviderAnswerRefused("issuer mismatch")
    return {
        "claims_cls": ClockedIDToken,
        "leeway": LEEWAY_SECONDS,
        "claims_options": {
            "iss": {"essential": True, "value": issuer},
            "aud": {"essential": True, "value": current_app.config["OIDC_CLIENT_ID"]},
        },
    }


def verified_claims() -> dict:
    """The ID token's claims from the provider's answer at the callback, every check passed."""
    try:
        token = client().authorize_access_token(**id_token_checks())
    except requests.RequestException as error:
        log.warning("OIDC token endpoint failed: %s", type(error).__name__)
        raise ProviderDown from error
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        log.info("OIDC answer refused: %s", type(error).__name__)
        raise ProviderAnswerRefused(type(error).__name__) from error
    claims = token.get("userinfo")
    if not claims:  # no ID token, or no nonce to check it against: never trusted
        raise ProviderAnswerRefused("no ID token")
    claims = dict(claims)
    wanted = {current_app.config["OIDC_MATCH_CLAIM"], "email_verified"}
    if not wanted <= claims.keys():
        claims = _with_userinfo(token, claims)
    return claims


def _with_userinfo(token: dict, claims: dict) -> dict:
    """Providers that keep the scopes' claims out of the ID token (OpenID Connect Core 5.4)
    answer them at the userinfo endpoint; its answer counts only for the ID token's subject."""
    try:
        info = client().userinfo(token=token)
    except requests.RequestException as error:
        log.warning("OIDC userinfo endpoint failed: %s", type(error).__name__)
        raise ProviderDown from error
    except (AuthlibBaseError, ValueError) as error:
        raise ProviderAnswerRefused(type(error).__name__) from error
    if info.get("sub") != claims.get("sub"):
        raise ProviderAnswerRefused("userinfo sub")
    return {**info, **claims}


def end_session_url(post_logout_redirect_uri: str) -> str | None:
    """Where the browser ends its session at the provider too, when the provider offers it."""
    if not configured():
        return None
    try:
        endpoint = client().load_server_metadata().get("end_session_endpoint")
    except requests.RequestException:
        return None
    if not endpoint:
        return None
    return (
        requests.Request(
            "GET",
            endpoint,
            params={
                "client_id": current_app.config["OIDC_CLIENT_ID"],
                "post_logout_redirect_uri": post_logout_redirect_uri,
            },
        )
        .prepare()
        .url
    )


# --- the operations ------------------------------------------------------------------------


class Outcome(enum.StrEnum):
    SIGNED_IN = "signed_in"
    UNVERIFIED = "unverified"  # the provider has not verified the email it gave
    UNKNOWN = "unknown"  # nobody on the staff roster has that email (or id)
    INACTIVE = "inactive"  # the staff record, or the account, is no longer active
    EMAIL_TAKEN = "email_taken"  # another account (a guardian's) already signs in with it


@dataclass
class SignInResult:
    outcome: Outcome
    account: Account | None = None


_REFUSAL_ACTIONS = {
    Outcome.UNVERIFIED: "accounts.sso_unverified",
    Outcome.UNKNOWN: "accounts.sso_unknown",
    Outcome.INACTIVE: "accounts.sso_inactive",
    Outcome.EMAIL_TAKEN: "accounts.sso_email_taken",
}


def _staff_for(claims: dict) -> tuple[Outcome | None, Staff | None]:
    """The roster staff member the claims name; or why there is none."""
    claim = current_app.config["OIDC_MATCH_CLAIM"]
    value = claims.get(claim)
    if claim == "email" and claims.get("email_verified") is not True:
        return Outcome.UNVERIFIED, None
    if not isinstance(value, str) or not value.strip():
        return Outcome.UNKNOWN, None
    column = Staff.email if claim == "email" else Staff.sourced_id
    matches = list(
        db.session.scalars(
            select(Staff)
            .where(func.lower(column) == value.strip().lower())
            .order_by(Staff.active.desc(), Staff.id)
            .limit(2)
        )
    )
    active = [staff for staff in matches if staff.active]
    if len(active) > 1:  # two active people with one address: never guess which
        return Outcome.UNKNOWN, None
    if not matches:
        return Outcome.UNKNOWN, None
    if not active:
        return Outcome.INACTIVE, matches[0]
    return None, active[0]


def sign_in_with_claims(*, actor, claims: dict, user_agent: str = "") -> SignInResult:
    """Sign in the staff member the provider vouched for; a refusal is audited and creates
    nothing, so the caller commits either way.

    `actor` is the visitor coming back from the provider, nobody yet: the ID token says who."""
    refusal, staff = _staff_for(claims)
    account = None
    if staff is not None:
        account = db.session.scalar(select(Account).where(Account.staff_id == staff.id))
    if refusal is None and account is not None and not account.active:
        refusal = Outcome.INACTIVE
    if refusal is None and account is None:
        email = (staff.email or "").strip().lower()
        taken = db.session.scalar(select(Account.id).where(func.lower(Account.email) == email))
        if not email or taken is not None:
            refusal = Outcome.EMAIL_TAKEN
    if refusal is not None:
        target = f"account:{account.id}" if account else (f"staff:{staff.id}" if staff else "")
        record(None, _REFUSAL_ACTIONS[refusal], target=target)
        log.info("SSO sign-in refused (%s) for staff %s", refusal, staff.id if staff else "?")
        return SignInResult(refusal)
    if account is None:
        account = Account(email=staff.email.strip().lower(), password_hash=NO_PASSWORD)
        account.staff_id = staff.id
        db.session.add(account)
        db.session.flush()
        record(account, "accounts.created", target=f"account:{account.id}")
        log.info("account %s created at its first SSO sign-in", account.id)
    account.last_sign_in_at = clock.now()
    record(account, "accounts.signin_sso", target=f"account:{account.id}")
    sessions.start(account, user_agent=user_agent)
    log.info("account %s signed in with SSO", account.id)
    return SignInResult(Outcome.SIGNED_IN, account)


def record_failure(*, actor, reason: str) -> None:
    """An answer from the provider that did not pass the checks, or no answer at all."""
    record(None, "accounts.sso_failed", target=reason[:64])
