"""Writing the audit log. Staff reads and every change go in the caller's transaction."""

from flask import g, has_request_context, request
from sqlalchemy import insert
from sqlalchemy.orm import Session

from consent.audit.models import AuditEvent
from consent.db import utcnow
from consent.extensions import db


def _request_fields() -> dict[str, str]:
    if not has_request_context():
        return {"request_id": "", "path": ""}
    return {"request_id": getattr(g, "request_id", ""), "path": request.path[:512]}


def record(actor, action: str, *, student_id: int | None = None, target: str = "") -> AuditEvent:
    """Add an audit row to the current transaction, so it commits or rolls back with the change."""
    event = AuditEvent(
        actor_account_id=actor.id if actor is not None else None,
        actor_role=actor.role.value if actor is not None else "anonymous",
        action=action,
        student_id=student_id,
        target=target,
        **_request_fields(),
    )
    db.session.add(event)
    return event


def record_many(actor, action: str, student_ids, *, target: str = "") -> None:
    """One row per student shown in a staff list, written in a single statement."""
    fields = _request_fields()
    rows = [
        {
            "actor_account_id": actor.id,
            "actor_role": actor.role.value,
            "action": action,
            "student_id": student_id,
            "target": target,
            "at": utcnow(),
            **fields,
        }
        for student_id in sorted(set(student_ids))
    ]
    if rows:
        db.session.execute(insert(AuditEvent), rows)


def record_denied(actor, *, target: str, student_id: int | None = None) -> None:
    """Write a refused access in its own transaction: the request itself ends in a 404 rollback."""
    with Session(db.engine) as session:
        session.add(
            AuditEvent(
                actor_account_id=actor.id if actor is not None else None,
                actor_role=actor.role.value if actor is not None else "anonymous",
                action="access.denied",
                student_id=student_id,
                target=target,
                **_request_fields(),
            )
        )
        session.commit()
