"""Who may sign in with a password, and who must confirm it with a second factor
(consent.accounts.totp).

The privacy office and principals can see the most, so their password sign-ins need a code
from an authenticator app; a sign-in through the district's identity provider relies on the
provider's MFA, which the district configures (the single sign-on hook: `method="sso"`)."""

from flask import current_app

from consent.accounts.models import Account, Role

SECOND_FACTOR_ROLES = frozenset({Role.PRIVACY_OFFICER, Role.PRINCIPAL})


def must_use_second_factor(actor: Account, *, method: str = "password") -> bool:
    return method == "password" and actor.role in SECOND_FACTOR_ROLES


def may_sign_in_with_password(account: Account) -> bool:
    """Guardians always sign in with a password; staff unless the district switched it off
    (STAFF_PASSWORD_SIGNIN) to have them use its identity provider (consent.accounts.sso)."""
    return not account.is_staff or current_app.config["STAFF_PASSWORD_SIGNIN"]
