"""Plain rules of vetting requests: the error they raise and how a request's status moves."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from consent.accounts.models import Account
from consent.core import clock
from consent.core.errors import DomainError
from consent.vetting.models import DECISIONS, TRANSITIONS, RequestStatus, VettingRequest


class VettingError(DomainError):
    """A change the rules refuse; the message (translatable) is shown to the person."""


def check_transition(current: RequestStatus, target: RequestStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise VettingError(
            _l(
                "This request is %(current)s; it cannot be moved to %(target)s.",
                current=current.value.replace("_", " "),
                target=target.value.replace("_", " "),
            )
        )


def move(
    request: VettingRequest,
    target: RequestStatus,
    *,
    actor: Account | None = None,
    now: datetime | None = None,
) -> None:
    """The one way a request's status changes: along TRANSITIONS, and a decision stamped with
    who made it and when (the database refuses a decision without them)."""
    check_transition(request.status, target)
    if target in DECISIONS:
        request.decided_by_account_id = actor.id
        request.decided_at = now or clock.now()
    request.status = target
