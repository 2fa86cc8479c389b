"""Writing the audit log. Staff reads and every change go in the caller's transaction."""

from flask import g, has_request_context, request
from sqlalchemy import insert

from consent.audit.actions import check
from consent.audit.models import AuditEvent
from consent.core import clock
from consent.core.logredact import TOKEN_PATH
from consent.core.transaction import need_write_lock
from consent.extensions import db


def request_fields() -> dict[str, str]:
    if not has_request_context():
        return {"request_id": "", "path": ""}
    # Invitation and reset links carry their secret in the path: keep it out of the log.
    path = TOKEN_PATH.sub(r"\1[redacted]", request.path)
    return {"request_id": getattr(g, "request_id", ""), "path": path[:512]}


def record(
    actor,
    action: str,
    *,
    student_id: int | None = None,
    target: str = "",
    on_behalf_of=None,
    as_service: bool = False,
) -> AuditEvent:
    """Add an audit row to the current transaction, so it commits or rolls back with the change.
    `on_behalf_of`: the guardian a staff member acted for. `as_service`: no one signed in, the
    service itself acted (a command run from cron or by an operator)."""
    need_write_lock()
    role = "system" if as_service else "anonymous"
    if actor is not None:
        role = actor.role.value
    event = AuditEvent(
        actor_account_id=actor.id if actor is not None else None,
        actor_role=role,
        action=check(action),
        student_id=student_id,
        target=target,
        on_behalf_of_guardian_id=on_behalf_of.id if on_behalf_of is not None else None,
        **request_fields(),
    )
    db.session.add(event)
    return event


def record_many(actor, action: str, student_ids, *, target: str = "") -> None:
    """One row per student shown in a staff list, written in a single statement."""
    need_write_lock()
    check(action)
    fields = request_fields()
    rows = [
        {
            "actor_account_id": actor.id,
            "actor_role": actor.role.value,
            "action": action,
            "student_id": student_id,
            "target": target,
            "at": clock.now(),
            **fields,
        }
        for student_id in sorted(set(student_ids))
    ]
    if rows:
        # Into the table, not through the ORM's bulk insert: the same statement, without the
        # ORM's pass over every row (a quarter of the time for a list page's 25 rows).
        db.session.execute(insert(AuditEvent.__table__), rows)


def record_denied(actor, *, target: str, student_id: int | None = None) -> None:
    """Write a refused access and end the request's transaction: the request ends in a 404, so
    nothing it did may stand, but the refusal must.

    Rolling back and committing on the request's own connection, rather than opening a second
    one, matters on SQLite: the request holds the write lock (BEGIN IMMEDIATE) and a second
    connection would wait for it until "database is locked".
    """
    actor_id = actor.id if actor is not None else None
    role = actor.role.value if actor is not None else "anonymous"
    db.session.rollback()
    need_write_lock()
    db.session.add(
        AuditEvent(
            actor_account_id=actor_id,
            actor_role=role,
            action="access.denied",
            student_id=student_id,
            target=target,
            **request_fields(),
        )
    )
    db.session.commit()


def record_integration(token, action: str, *, target: str = "", student_id=None) -> None:
    """An API call of a district system, named by its integration token (no person acted):
    in the caller's transaction."""
    need_write_lock()
    db.session.add(
        AuditEvent(
            actor_account_id=None,
            actor_role="integration",
            action=check(action),
            student_id=student_id,
            target=(target or token.label)[:64],
            **request_fields(),
        )
    )


def record_integration_denied(token, *, target: str) -> None:
    """An integration asked for what its token does not cover: written and committed at once,
    as `record_denied` does for a person (the request ends in a 404)."""
    db.session.rollback()
    need_write_lock()
    db.session.add(
        AuditEvent(
            actor_account_id=None,
            actor_role="integration",
            action="access.denied",
            target=f"{token.label} {target}"[:64],
            **request_fields(),
        )
    )
    db.session.commit()
