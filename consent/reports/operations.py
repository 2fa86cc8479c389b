"""Writes the reports make: the audit rows of an export that names students."""

from sqlalchemy import Integer, Select, String, insert, literal, select

from consent.audit.actions import check
from consent.audit.models import AuditEvent
from consent.audit.operations import request_fields
from consent.core import clock
from consent.db import UTCDateTime
from consent.extensions import db


def record_export(actor, statement: Select, *, action: str, target: str) -> int:
    """One audit row per student in the export, written set-based (INSERT ... SELECT) in the
    caller's transaction, so an export of thousands of students never loads them."""
    fields = request_fields()
    students = statement.subquery("exported")
    rows = select(
        literal(actor.id, Integer),
        literal(actor.role.value, String),
        literal(check(action), String),
        students.c.student_id,
        literal(target, String),
        literal(clock.now(), UTCDateTime),
        literal(fields["request_id"], String),
        literal(fields["path"], String),
    ).distinct()
    result = db.session.execute(
        insert(AuditEvent).from_select(
            [
                "actor_account_id",
                "actor_role",
                "action",
                "student_id",
                "target",
                "at",
                "request_id",
                "path",
            ],
            rows,
        )
    )
    return result.rowcount
