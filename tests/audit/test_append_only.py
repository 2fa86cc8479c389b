"""The audit log is append-only: the code has no path that changes or removes a row, the
mapper refuses one on every database, and on PostgreSQL the database itself refuses."""

import re
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from consent.audit.models import AppendOnlyError, AuditEvent
from consent.core import clock
from consent.extensions import db

PACKAGE = Path(__file__).resolve().parents[2] / "consent"
# Any way of writing an UPDATE or DELETE against the audit table, by name or by model.
WRITES = re.compile(
    r"(update|delete)\s*\(\s*AuditEvent\b"
    r"|(UPDATE|DELETE\s+FROM)\s+audit_event\b"
    r"|AuditEvent\b[^\n]*\.(update|delete)\(",
    re.IGNORECASE,
)


def _one_row_id() -> int:
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "at": clock.now(),
                "actor_account_id": None,
                "actor_role": "anonymous",
                "action": "append.test",
                "target": "",
                "request_id": "",
                "path": "",
            }
        ],
    )
    db.session.commit()
    return db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "append.test"))


def test_no_code_in_the_package_updates_or_deletes_audit_rows():
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{number}: {line.strip()}"
        for path in PACKAGE.rglob("*.py")
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if WRITES.search(line)
    ]
    assert not offenders, "code that changes audit rows:\n" + "\n".join(offenders)


def test_the_grep_would_notice_such_code():
    for line in (
        "db.session.execute(update(AuditEvent).values(action='x'))",
        "db.session.execute(delete(AuditEvent))",
        "conn.execute(text('DELETE FROM audit_event WHERE id = 1'))",
        "conn.execute(text('update audit_event set action = 1'))",
    ):
        assert WRITES.search(line), line


def test_the_mapper_refuses_to_change_or_delete_a_row(ctx):
    event = db.session.get(AuditEvent, _one_row_id())
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    event = db.session.get(AuditEvent, event.id)
    db.session.delete(event)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    for statement in (
        update(AuditEvent).values(action="tampered"),
        delete(AuditEvent).where(AuditEvent.id == event.id),
    ):
        with pytest.raises(AppendOnlyError):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.get(AuditEvent, event.id).action == "append.test"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'tampered' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ],
)
def test_postgresql_refuses_update_and_delete_through_the_apps_connection(ctx, statement):
    if db.engine.dialect.name != "postgresql":
        # The migration installs the trigger on PostgreSQL only; on SQLite (development and
        # small districts) the mapper guard above is the protection.
        triggers = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
        assert db.session.scalar(text(triggers)) == 0
        return
    row_id = _one_row_id()
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement), {"id": row_id})
    db.session.rollback()
    assert db.session.get(AuditEvent, row_id).action == "append.test"


def test_the_suite_can_still_empty_and_refill_the_table(app, demo):
    """The per-test wipe TRUNCATEs (no row trigger fires) and the restore only INSERTs: the
    demo's audit rows are back in every test, so both paths keep working with the trigger."""
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).limit(1)) is not None
