"""Who must confirm a sign-in with a second factor (consent.accounts.totp).

The privacy office and principals can see the most, so their password sign-ins need a code
from an authenticator app; a sign-in through the district's identity provider relies on the
provider's MFA, which the district configures (the single sign-on hook: `method="sso"`)."""

from consent.accounts.models import Account, Role

SECOND_FACTOR_ROLES = frozenset({Role.PRIVACY_OFFICER, Role.PRINCIPAL})


def must_use_second_factor(actor: Account, *, method: str = "password") -> bool:
    return method == "password" and actor.role in SECOND_FACTOR_ROLES
