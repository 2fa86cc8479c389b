"""Deadlines of records requests: remind the office as the due date nears, escalate once when
it has passed. `flask records escalate` runs this every morning (cron). Each step is an event
on the request's timeline, keyed by the due date it belongs to, so running it twice sends
nothing twice, and a new deadline (a hearing asked for) starts its own steps."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from consent.extensions import db
from consent.records import events, operations
from consent.records.models import (
    OPEN_STATUSES,
    RecordsEventKind,
    RecordsRequest,
    RecordsRequestEvent,
)
from consent.records.rules import REMIND_DAYS_BEFORE


@dataclass
class EscalationReport:
    reminded: int = 0
    escalated: int = 0


def escalate(*, today: date) -> EscalationReport:
    """Take every deadline step that is due; the caller commits."""
    report = EscalationReport()
    candidates = list(
        db.session.scalars(
            select(RecordsRequest)
            .where(
                RecordsRequest.status.in_(OPEN_STATUSES),
                RecordsRequest.due_on <= today + timedelta(days=REMIND_DAYS_BEFORE),
            )
            .order_by(RecordsRequest.id)
        ).unique()
    )
    if not candidates:
        return report
    taken = {
        (row.records_request_id, row.kind, row.note)
        for row in db.session.execute(
            select(
                RecordsRequestEvent.records_request_id,
                RecordsRequestEvent.kind,
                RecordsRequestEvent.note,
            ).where(
                RecordsRequestEvent.records_request_id.in_([r.id for r in candidates]),
                RecordsRequestEvent.kind.in_(
                    [RecordsEventKind.REMINDED, RecordsEventKind.ESCALATED]
                ),
            )
        )
    }
    for records_request in candidates:
        due = records_request.due_on
        # Past the due date a reminder would come too late: the escalation says it all.
        overdue = today > due
        kind = RecordsEventKind.ESCALATED if overdue else RecordsEventKind.REMINDED
        if (records_request.id, kind, events.due_note(due)) in taken:
            continue
        if overdue:
            operations.notify_office(records_request, "records/overdue", due=due)
            events.escalated(records_request, due=due)
            report.escalated += 1
        else:
            operations.notify_office(records_request, "records/due_soon", due=due)
            events.reminded(records_request, due=due)
            report.reminded += 1
    db.session.flush()
    return report
