"""ASVS 16 / FERPA 99.32: every staff read of a student's record, every export and every change
writes exactly one AuditEvent naming actor, role, student, action, time and request id; every
refused probe writes one `access.denied`. Walked over the URL map for the reads."""

from collections import Counter

import pytest
from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.optouts.models import Task
from tests.security.routes import _table_for, rules, sample_ids, url_for_rule
from tests.support import PROBE_COUNTS

STAFF = ("johnson", "patel", "brooks", "reed", "lee")


def audit_rows(app, response) -> list[AuditEvent]:
    request_id = response.headers["X-Request-Id"]
    assert request_id
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.request_id == request_id)
        ).all()
        db.session.expunge_all()
        db.session.remove()
    return rows


def student_of(app, table, row_id: int) -> int:
    with app.app_context():
        if table.name == "task":  # a task belongs to a request, which names the student
            from consent.optouts.models import OptOut

            query = select(OptOut.student_id).join(Task, Task.optout_id == OptOut.id)
            student_id = db.session.scalar(query.where(Task.id == row_id))
        else:
            column = table.c.id if table.name == "student" else table.c.student_id
            student_id = db.session.scalar(select(column).where(table.c.id == row_id))
        db.session.remove()
    return student_id


def student_record_routes(app):
    """GET routes whose id names a student's record: a student, or a row holding a student."""
    found = []
    for rule in rules(app, "GET"):
        for argument in rule.arguments:
            table = _table_for(argument)
            if table is not None and (
                table.name == "student" or "student_id" in table.c or table.name == "task"
            ):
                found.append((rule, argument, table))
    return found


@pytest.mark.long
def test_each_staff_read_of_a_record_writes_exactly_one_audit_event(app, as_):
    routes = student_record_routes(app)
    assert len(routes) >= 6, [rule.rule for rule, *_ in routes]
    ids = sample_ids(app)
    reads = denials = 0
    for persona in STAFF:
        client = as_(persona)
        for rule, argument, table in routes:
            with app.app_context():
                candidates = db.session.scalars(select(table.c.id).order_by(table.c.id)).all()
                db.session.remove()
            seen = Counter()
            for row_id in candidates:
                if seen[200] >= 2 and seen[404] >= 2:
                    break  # both outcomes proven for this role and route
                url = url_for_rule(rule, ids | {argument: row_id})
                response = client.get(url, buffered=True)  # streamed exports run to the end
                seen[response.status_code] += 1
                rows = audit_rows(app, response)
                if response.status_code == 404:
                    assert [row.action for row in rows] == ["access.denied"], url
                    denials += 1
                    continue
                if response.status_code != 200:
                    continue
                student_id = student_of(app, table, row_id)
                about = [row for row in rows if row.student_id == student_id]
                assert len(about) == 1, (persona, url, [(r.action, r.student_id) for r in rows])
                (row,) = about
                assert row.actor_account_id and row.actor_role != "anonymous" and row.action
                assert row.at is not None
                reads += 1
    assert reads >= 10 and denials >= 10
    PROBE_COUNTS["Audit: staff record reads with exactly one event"] = reads
    PROBE_COUNTS["Audit: refused record reads with one access.denied"] = denials


def test_staff_lists_write_one_event_per_student_shown(app, as_):
    pages = 0
    for persona in STAFF:
        client = as_(persona)
        for rule in rules(app, "GET"):
            if rule.arguments:
                continue
            response = client.get(rule.rule, buffered=True)
            if response.status_code != 200:
                continue
            per_student = Counter(
                row.student_id for row in audit_rows(app, response) if row.student_id
            )
            assert all(count == 1 for count in per_student.values()), (rule.rule, per_student)
            pages += 1
    PROBE_COUNTS["Audit: staff list pages with one event per student"] = pages


@pytest.fixture
def task_of(app):
    def find(optout_id: int) -> int:
        with app.app_context():
            task_id = db.session.scalar(select(Task.id).where(Task.optout_id == optout_id))
            db.session.remove()
        return task_id

    return find


def test_each_change_to_a_request_writes_exactly_one_audit_event(app, as_, demo, task_of):
    submitted, planned = demo.optouts["submitted"], demo.optouts["planned"]
    sofia = demo.students["sofia"]
    filing = f"/students/{sofia}/optouts/new?tool={demo.tools['seesaw']}"
    steps = [
        (
            "maria",
            filing,
            {
                "feature": "photos",
                "accommodation": "Post work without photos or videos of my child",
                "reason": "",
                "send": "Send request",
            },
            None,
            sofia,
        ),
        ("patel", f"/tasks/{task_of(submitted)}/acknowledge", {}, f"/requests/{submitted}", None),
        (
            "patel",
            f"/tasks/{task_of(submitted)}/plan",
            {"option": "No recording while my child is present", "note": "Paused."},
            None,
            None,
        ),
        ("brooks", f"/requests/{planned}/return", {"note": "Say when."}, None, None),
        ("reed", f"/requests/{submitted}/confirm", {}, f"/requests/{submitted}", None),
        ("lee", f"/requests/{submitted}/close", {"reason": "Family moved."}, None, None),
    ]
    changes = 0
    for persona, url, data, token_from, _student in steps:
        response = as_(persona).post(url, data, token_from=token_from)
        assert response.status_code == 302, (persona, url, response.status_code)
        rows = audit_rows(app, response)
        assert len(rows) == 1, (url, [(row.action, row.student_id) for row in rows])
        assert rows[0].student_id is not None and rows[0].actor_account_id is not None
        changes += 1
    PROBE_COUNTS["Audit: changes with exactly one event"] = changes
