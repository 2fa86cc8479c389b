"""A request's timeline: one small function per kind of line, so every caller writes the same
kind with the same details, and the kinds a page or report reads are the ones in `EventKind`.

Each adds one Event to the session (the caller's transaction) and returns it. `actor` is the
account that acted, or None for the service itself (roster changes, deadlines). A line that
records a move of the request's status is written after the move, with `moved_from`; its
`to_status` is the request's status then.
"""

from datetime import date, datetime

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.optouts.models import Event, EventKind, OptOut, OptOutStatus, Task
from consent.roster.models import Guardian
from consent.webhooks.models import WebhookEvent
from consent.webhooks.operations import enqueue, stamp


def _actor_columns(actor: Account | None) -> dict:
    return {
        "actor_role": actor.role.value if actor else "system",
        "actor_account_id": actor.id if actor else None,
        "actor_name": actor.display_name if actor else "",
    }


def _add(
    optout_id: int,
    kind: EventKind,
    *,
    actor: Account | None,
    note: str = "",
    moved_from: OptOutStatus | None = None,
    to: OptOutStatus | None = None,
    on_behalf_of: Guardian | None = None,
) -> Event:
    """`on_behalf_of`: the guardian staff acted for (a request told by phone, on paper...)."""
    event = Event(
        optout_id=optout_id,
        kind=kind,
        on_behalf_of_guardian_id=on_behalf_of.id if on_behalf_of else None,
        on_behalf_of_name=on_behalf_of.full_name if on_behalf_of else "",
        from_status=moved_from.value if moved_from else None,
        to_status=to.value if to else None,
        note=note,
        at=clock.now(),
        **_actor_columns(actor),
    )
    db.session.add(event)
    return event


def _moved(
    optout: OptOut, kind: EventKind, *, actor, moved_from, note: str = "", on_behalf_of=None
) -> Event:
    to = optout.status if moved_from is not None else None
    return _add(
        optout.id,
        kind,
        actor=actor,
        note=note,
        moved_from=moved_from,
        to=to,
        on_behalf_of=on_behalf_of,
    )


def _tell_systems(optout: OptOut, kind: WebhookEvent, moved_from: OptOutStatus, **extra) -> None:
    """The district's systems subscribed to `kind` hear of the move, in this transaction: ids
    and states only, no names, no reasons typed by people."""
    enqueue(
        kind,
        {
            "optout_id": optout.id,
            "student_sourced_id": optout.student.sourced_id,
            "tool_id": optout.tool_id,
            "feature": optout.feature or None,
            "status": optout.status.value,
            "previous_status": moved_from.value,
            "at": stamp(clock.now()),
            **extra,
        },
        school_id=optout.student.school_id,
    )


def _teacher(task: Task, place: str) -> str:
    """Which teacher (and, when a tool use changed, where): staff read it on the timeline."""
    return f"{place} · {task.teacher.full_name}" if place else task.teacher.full_name


# --- the guardian -------------------------------------------------------------------------


def filed(optout: OptOut, *, actor: Account, note: str | None = None, on_behalf_of=None) -> Event:
    return _add(
        optout.id,
        EventKind.FILED,
        actor=actor,
        to=OptOutStatus.SUBMITTED,
        note=optout.reason if note is None else note,
        on_behalf_of=on_behalf_of,
    )


def joined(optout: OptOut, *, actor: Account, note: str = "", on_behalf_of=None) -> Event:
    return _add(optout.id, EventKind.JOINED, actor=actor, note=note, on_behalf_of=on_behalf_of)


def withdrawn(
    optout: OptOut,
    *,
    actor: Account,
    moved_from: OptOutStatus,
    note: str = "",
    on_behalf_of=None,
) -> Event:
    _tell_systems(optout, WebhookEvent.OPTOUT_WITHDRAWN, moved_from)
    return _moved(
        optout,
        EventKind.WITHDRAWN,
        actor=actor,
        moved_from=moved_from,
        note=note,
        on_behalf_of=on_behalf_of,
    )


def withdrawal_declined(optout: OptOut, *, actor: Account, note: str, on_behalf_of=None) -> Event:
    return _add(
        optout.id,
        EventKind.WITHDRAWAL_DECLINED,
        actor=actor,
        note=note,
        on_behalf_of=on_behalf_of,
    )


# --- teachers -----------------------------------------------------------------------------


def acknowledged(
    optout: OptOut, *, actor: Account, moved_from: OptOutStatus | None = None
) -> Event:
    """A teacher took the task on; the first one also starts the work (`moved_from`)."""
    return _moved(optout, EventKind.ACKNOWLEDGED, actor=actor, moved_from=moved_from)


def plan_recorded(task: Task, *, actor: Account) -> Event:
    note = f"{task.plan_option}. {task.plan_note}".strip()
    return _add(task.optout_id, EventKind.PLAN_RECORDED, actor=actor, note=note)


def planned(optout: OptOut, *, actor: Account | None, moved_from: OptOutStatus) -> Event:
    """Every routed teacher has a plan: the request waits for the principal."""
    return _moved(optout, EventKind.PLANNED, actor=actor, moved_from=moved_from)


# --- the principal ------------------------------------------------------------------------


def confirmed(optout: OptOut, *, actor: Account, moved_from: OptOutStatus) -> Event:
    _tell_systems(optout, WebhookEvent.OPTOUT_CONFIRMED, moved_from)
    return _moved(optout, EventKind.CONFIRMED, actor=actor, moved_from=moved_from)


def returned(optout: OptOut, *, actor: Account, moved_from: OptOutStatus, note: str) -> Event:
    return _moved(optout, EventKind.RETURNED, actor=actor, moved_from=moved_from, note=note)


def closed(
    optout: OptOut, *, actor: Account | None, moved_from: OptOutStatus, reason: str
) -> Event:
    """Closed by a principal, or by the service when the student left the district."""
    _tell_systems(optout, WebhookEvent.OPTOUT_CLOSED, moved_from, ended_by="closed")
    return _moved(optout, EventKind.CLOSED, actor=actor, moved_from=moved_from, note=reason)


# --- the roster or a tool's use changed (the service acts) ---------------------------------


def teacher_added(task: Task, *, actor: Account | None = None, place: str = "") -> Event:
    return _add(task.optout_id, EventKind.TEACHER_ADDED, actor=actor, note=_teacher(task, place))


def teacher_left(task: Task, *, actor: Account | None = None, place: str = "") -> Event:
    return _add(task.optout_id, EventKind.TEACHER_LEFT, actor=actor, note=_teacher(task, place))


def use_started(task: Task, *, actor: Account | None = None, place: str = "") -> Event:
    return _add(task.optout_id, EventKind.USE_STARTED, actor=actor, note=_teacher(task, place))


def use_ended(task: Task, *, actor: Account | None = None, place: str = "") -> Event:
    return _add(task.optout_id, EventKind.USE_ENDED, actor=actor, note=_teacher(task, place))


def school_changed(optout: OptOut) -> Event:
    return _add(optout.id, EventKind.SCHOOL_CHANGED, actor=None, note=optout.student.school.name)


def rerouted(optout: OptOut, *, actor: Account | None = None, moved_from: OptOutStatus) -> Event:
    """A new teacher on a planned request must plan too: back to in progress."""
    return _moved(optout, EventKind.REROUTED, actor=actor, moved_from=moved_from)


# --- the school year ended (the privacy office or the service rolls it over) ---------------


def carried_over(optout: OptOut, *, actor: Account | None, note: str) -> Event:
    """The district's setting keeps this confirmed opt-out in effect in the new year."""
    return _add(optout.id, EventKind.CARRIED_OVER, actor=actor, note=note)


def year_ended(
    optout: OptOut, *, actor: Account | None, moved_from: OptOutStatus, note: str
) -> Event:
    """The district's setting ends this opt-out with its school year (closed, with the reason)."""
    _tell_systems(optout, WebhookEvent.OPTOUT_CLOSED, moved_from, ended_by="year_end")
    return _moved(optout, EventKind.YEAR_ENDED, actor=actor, moved_from=moved_from, note=note)


# --- deadlines (the service acts) ---------------------------------------------------------


def due_note(due: date) -> str:
    """The note of a deadline step: also how a step already taken for a due date is found."""
    return f"due {due.isoformat()}"


def reminded(optout: OptOut, *, due: date) -> Event:
    return _add(optout.id, EventKind.REMINDED, actor=None, note=due_note(due))


def principal_told(optout: OptOut, *, due: date) -> Event:
    return _add(optout.id, EventKind.PRINCIPAL_TOLD, actor=None, note=due_note(due))


def escalated(optout: OptOut, *, due: date) -> Event:
    return _add(optout.id, EventKind.ESCALATED, actor=None, note=due_note(due))


def due_moved_row(optout_id: int, *, actor: Account, note: str, at: datetime) -> dict:
    """The calendar changed: the values of one `due_moved` line, for a set-based insert (a
    calendar change moves thousands of requests at once)."""
    return {"optout_id": optout_id, "kind": EventKind.DUE_MOVED, "note": note, "at": at} | (
        _actor_columns(actor)
    )


# --- a vendor's roster was checked (consent.enforcement) -------------------------------------


def roster_checked(optout_id: int, *, actor: Account | None, vendor: str, present: bool) -> Event:
    """The vendor's roster export was checked for this request's student: still in it (the
    privacy office is told) or not present. The note names the vendor; the line's time is the
    check's. `actor` is None when a district system submitted the export (consent.api). By id:
    a check reaches thousands of requests, none of which needs loading."""
    kind = EventKind.ROSTER_STILL_PRESENT if present else EventKind.ROSTER_NOT_PRESENT
    return _add(optout_id, kind, actor=actor, note=vendor)
