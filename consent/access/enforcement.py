"""Who checks a vendor's roster export for a tool, and who reads the checks.

The privacy office uploads exports and reads every check; a district system submits one through
the API when its token holds the "submit roster checks" scope, for its own school's students
when the token has a school. Anyone else meets a missing page (404), audited."""

from consent.access.policy import deny
from consent.accounts.models import Account, Role
from consent.enforcement.models import RosterCheck
from consent.extensions import db
from consent.integrations.models import IntegrationToken, Scope


def may_check_vendor_rosters(actor: Account) -> bool:
    """The privacy office checks vendors' roster exports and reads what each check found."""
    return actor.role is Role.PRIVACY_OFFICER


def token_may_submit_roster_checks(token: IntegrationToken) -> bool:
    return Scope.ROSTER_CHECKS in token.scope_set


def roster_check_or_404(actor: Account, check_id: int) -> RosterCheck:
    if not may_check_vendor_rosters(actor):
        deny(actor, f"roster_check:{check_id}")
    check = db.session.get(RosterCheck, check_id)
    if check is None:
        deny(actor, f"roster_check:{check_id}")
    return check
