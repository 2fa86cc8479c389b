"""A records request's timeline: one small function per kind of line, so every caller writes the
same kind with the same details, and the kinds the page and the deadlines read are the ones in
`RecordsEventKind`.

Each adds one line to the session (the caller's transaction) and returns it. `actor` is the
account that acted, or None for the service itself (a court order's closing, deadlines). A line
that records a move of the request's status is written after the move, with `moved_from`; its
`to_status` is the request's status then.
"""

from datetime import date

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.records.models import (
    RecordsEventKind,
    RecordsRequest,
    RecordsRequestEvent,
    RecordsStatus,
)


def _add(
    records_request: RecordsRequest,
    kind: RecordsEventKind,
    *,
    actor: Account | None,
    moved_from: RecordsStatus | None = None,
    to: RecordsStatus | None = None,
    note: str = "",
) -> RecordsRequestEvent:
    event = RecordsRequestEvent(
        records_request_id=records_request.id,
        kind=kind,
        actor_role=actor.role.value if actor else "system",
        actor_account_id=actor.id if actor else None,
        actor_name=actor.display_name if actor else "",
        from_status=moved_from.value if moved_from else None,
        to_status=to.value if to else None,
        note=note,
        at=clock.now(),
    )
    db.session.add(event)
    return event


def _moved(
    records_request: RecordsRequest,
    kind: RecordsEventKind,
    *,
    actor: Account | None,
    moved_from: RecordsStatus,
    note: str = "",
) -> RecordsRequestEvent:
    return _add(
        records_request,
        kind,
        actor=actor,
        moved_from=moved_from,
        to=records_request.status,
        note=note,
    )


# --- the family ------------------------------------------------------------------------------


def filed(records_request: RecordsRequest, *, actor: Account) -> RecordsRequestEvent:
    return _add(records_request, RecordsEventKind.FILED, actor=actor, to=RecordsStatus.SUBMITTED)


def hearing_requested(
    records_request: RecordsRequest, *, actor: Account, moved_from: RecordsStatus
) -> RecordsRequestEvent:
    return _moved(
        records_request, RecordsEventKind.HEARING_REQUESTED, actor=actor, moved_from=moved_from
    )


def statement_added(records_request: RecordsRequest, *, actor: Account) -> RecordsRequestEvent:
    return _add(records_request, RecordsEventKind.STATEMENT_ADDED, actor=actor)


# --- the privacy office and the principal ----------------------------------------------------


def made_available(
    records_request: RecordsRequest, *, actor: Account, moved_from: RecordsStatus, note: str
) -> RecordsRequestEvent:
    """The note says how and on which day."""
    return _moved(
        records_request,
        RecordsEventKind.MADE_AVAILABLE,
        actor=actor,
        moved_from=moved_from,
        note=note,
    )


def amended(
    records_request: RecordsRequest, *, actor: Account, moved_from: RecordsStatus, note: str
) -> RecordsRequestEvent:
    """Granted as asked, or after the hearing; the note says what changed."""
    return _moved(
        records_request, RecordsEventKind.AMENDED, actor=actor, moved_from=moved_from, note=note
    )


def refused(
    records_request: RecordsRequest, *, actor: Account, moved_from: RecordsStatus, note: str
) -> RecordsRequestEvent:
    return _moved(
        records_request, RecordsEventKind.REFUSED, actor=actor, moved_from=moved_from, note=note
    )


def hearing_scheduled(
    records_request: RecordsRequest, *, actor: Account, note: str
) -> RecordsRequestEvent:
    """The note gives the day and the officer."""
    return _add(records_request, RecordsEventKind.HEARING_SCHEDULED, actor=actor, note=note)


def refusal_upheld(
    records_request: RecordsRequest, *, actor: Account, moved_from: RecordsStatus, note: str
) -> RecordsRequestEvent:
    return _moved(
        records_request,
        RecordsEventKind.REFUSAL_UPHELD,
        actor=actor,
        moved_from=moved_from,
        note=note,
    )


def closed(
    records_request: RecordsRequest,
    *,
    actor: Account | None,
    moved_from: RecordsStatus,
    note: str,
) -> RecordsRequestEvent:
    """Closed by the office, or because a court order ended the filer's rights."""
    return _moved(
        records_request, RecordsEventKind.CLOSED, actor=actor, moved_from=moved_from, note=note
    )


# --- deadlines (the service acts) ------------------------------------------------------------


def due_note(due: date) -> str:
    """The note of a deadline step: also how a step already taken for a due date is found."""
    return f"due {due.isoformat()}"


def reminded(records_request: RecordsRequest, *, due: date) -> RecordsRequestEvent:
    return _add(records_request, RecordsEventKind.REMINDED, actor=None, note=due_note(due))


def escalated(records_request: RecordsRequest, *, due: date) -> RecordsRequestEvent:
    return _add(records_request, RecordsEventKind.ESCALATED, actor=None, note=due_note(due))
