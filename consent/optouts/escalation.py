"""Deadlines that pass: remind, tell the principal, then escalate to the privacy office.

`flask optouts escalate` runs this on a schedule (cron, e.g. every school morning). Each step
is an Event on the request's timeline, written with its notifications; a step already taken
for the same due date is never taken again, so running it twice sends nothing twice.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select

from consent.extensions import db
from consent.notifications.operations import notify
from consent.optouts import events, operations
from consent.optouts.models import Event, EventKind, OptOut, OptOutStatus, TaskStatus
from consent.roster.models import Staff
from consent.roster.staff import privacy_officers
from consent.schoolcalendar.days import add_school_days, closures_from

#: Each deadline step, its timeline line, and the report's count of it (named like the kind).
STEPS = {
    EventKind.REMINDED: events.reminded,
    EventKind.PRINCIPAL_TOLD: events.principal_told,
    EventKind.ESCALATED: events.escalated,
}


@dataclass
class EscalationReport:
    reminded: int = 0
    principal_told: int = 0
    escalated: int = 0


def _steps(optout: OptOut, today: date, closures: set[date]) -> list[tuple[EventKind, date]]:
    """The steps due today for this request, each with the deadline it belongs to."""
    if optout.status in (OptOutStatus.SUBMITTED, OptOutStatus.IN_PROGRESS):
        due = optout.plan_due_on
        schedule = [
            (EventKind.REMINDED, due),
            (EventKind.PRINCIPAL_TOLD, add_school_days(due, 1, closures)),
            (EventKind.ESCALATED, add_school_days(due, 2, closures)),
        ]
    elif optout.status is OptOutStatus.PLANNED:
        due = optout.confirm_due_on
        schedule = [
            (EventKind.REMINDED, due),
            (EventKind.ESCALATED, add_school_days(due, 2, closures)),
        ]
    else:
        return []
    return [(kind, due) for kind, when in schedule if today >= when]


def escalate(*, today: date) -> EscalationReport:
    """Take every deadline step that is due; the caller commits."""
    report = EscalationReport()
    candidates = list(
        db.session.scalars(
            select(OptOut).where(
                or_(
                    and_(
                        OptOut.status.in_([OptOutStatus.SUBMITTED, OptOutStatus.IN_PROGRESS]),
                        OptOut.plan_due_on <= today,
                    ),
                    and_(OptOut.status == OptOutStatus.PLANNED, OptOut.confirm_due_on <= today),
                )
            )
        ).unique()
    )
    if not candidates:
        return report
    taken = {
        (row.optout_id, row.kind, row.note)
        for row in db.session.execute(
            select(Event.optout_id, Event.kind, Event.note).where(
                Event.optout_id.in_([o.id for o in candidates]),
                Event.kind.in_(list(STEPS)),
            )
        )
    }
    closures = closures_from(min(min(o.plan_due_on, o.confirm_due_on) for o in candidates), 400)
    officers = privacy_officers()
    for optout in candidates:
        for kind, due in _steps(optout, today, closures):
            if (optout.id, kind, events.due_note(due)) not in taken:
                _take(kind, optout, due, officers)
                STEPS[kind](optout, due=due)
                setattr(report, kind.value, getattr(report, kind.value) + 1)
    db.session.flush()
    return report


def _take(kind: EventKind, optout: OptOut, due: date, officers: list[Staff]) -> None:
    """Send one step's messages: teachers who still owe a plan, the principals, or the office."""
    if kind is EventKind.REMINDED and optout.status is not OptOutStatus.PLANNED:
        for task in optout.tasks:
            if task.status in (TaskStatus.OPEN, TaskStatus.ACKNOWLEDGED):
                notify(
                    template="optouts/overdue_teacher",
                    link=f"/tasks/{task.id}",
                    staff=task.teacher,
                    optout_id=optout.id,
                    optout=optout,
                    due=due,
                )
    elif kind in (EventKind.REMINDED, EventKind.PRINCIPAL_TOLD):
        operations.notify_principals(optout, "optouts/overdue_principal", due=due)
    else:
        for officer in officers:
            notify(
                template="optouts/escalated",
                link=f"/requests/{optout.id}",
                staff=officer,
                optout_id=optout.id,
                optout=optout,
                due=due,
            )
