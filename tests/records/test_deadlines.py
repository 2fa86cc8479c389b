"""The deadline is counted in calendar days (34 CFR 99.10: 45 days at most), unlike opt-outs'
school days: weekends and closures inside the window do not extend it, and a due day that falls
on a weekend or closure comes forward to the last school day before it. Reminders and the
escalation come once each."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.records import operations as ops
from consent.records.escalation import escalate
from consent.records.models import RecordsRequestEvent, RequestKind
from consent.records.rules import due_on
from consent.roster.models import Student
from consent.schoolcalendar.models import Closure


@pytest.fixture
def filed_on(ctx, demo):
    """file(day) → a request for Ava filed by James on that district day (09:00)."""

    def file(day: date, kind=RequestKind.INSPECT):
        clock.freeze(datetime(day.year, day.month, day.day, 14, tzinfo=UTC))
        james = db.session.get(Account, demo.accounts["james"])
        return ops.file_records_request(
            actor=james,
            student=db.session.get(Student, demo.students["ava"]),
            kind=kind,
            records_sought="Report cards",
            record_description="Attendance",
            what_is_wrong="Wrong day",
        )

    yield file
    clock.reset()


def test_forty_five_calendar_days_whatever_the_closures_inside(filed_on):
    # Wednesday 3 March 2027 + 45 days = Saturday 17 April: due Friday 16 April. A spring
    # break inside the window does not move it (school days would give a much later date).
    for day in (date(2027, 3, 22) + timedelta(days=n) for n in range(5)):
        db.session.add(Closure(day=day, reason="Spring break"))
    db.session.flush()
    assert filed_on(date(2027, 3, 3)).due_on == date(2027, 4, 16)


def test_a_due_day_on_a_closure_comes_forward_not_later(filed_on):
    db.session.add(Closure(day=date(2027, 4, 16), reason="Staff day"))
    db.session.flush()
    assert filed_on(date(2027, 3, 3)).due_on == date(2027, 4, 15)  # Thursday
    # Friday 5 March + 45 = Monday 19 April, a school day: it stays.
    assert filed_on(date(2027, 3, 5)).due_on == date(2027, 4, 19)


def test_the_district_may_shorten_the_days_but_not_lengthen_them(app, filed_on):
    app.config["RECORDS_INSPECT_DAYS"] = 30
    assert filed_on(date(2027, 3, 5)).due_on == date(2027, 4, 2)  # Friday + 28 days
    app.config["RECORDS_INSPECT_DAYS"] = 90
    assert filed_on(date(2027, 3, 5)).due_on == date(2027, 4, 19)


def test_due_on_rule_directly():
    # Friday + 2 days = Sunday → Friday itself is not after the start: keep the legal date.
    assert due_on(date(2027, 3, 5), 2, set()) == date(2027, 3, 7)
    assert due_on(date(2027, 3, 5), 3, set()) == date(2027, 3, 8)
    assert due_on(date(2027, 3, 3), 4, {date(2027, 3, 5)}) == date(2027, 3, 4)


def office_kinds(records_request_id):
    return db.session.execute(
        select(RecordsRequestEvent.kind, RecordsRequestEvent.note)
        .where(
            RecordsRequestEvent.records_request_id == records_request_id,
            RecordsRequestEvent.kind.in_(["reminded", "escalated"]),
        )
        .order_by(RecordsRequestEvent.id)
    ).all()


def sent(records_request_id, template):
    return sorted(
        db.session.scalars(
            select(Notification.to_address).where(
                Notification.kind == template,
                Notification.link == f"/records-requests/{records_request_id}",
            )
        )
    )


def test_reminder_near_the_due_date_then_one_escalation(filed_on):
    rr = filed_on(date(2027, 3, 3))
    due = rr.due_on
    escalate(today=due - timedelta(days=6))
    assert office_kinds(rr.id) == []
    escalate(today=due - timedelta(days=5))
    escalate(today=due)
    assert office_kinds(rr.id) == [("reminded", f"due {due.isoformat()}")]
    office = ["angela.brooks@demo.consent.example", "privacy@demo.consent.example"]
    assert sent(rr.id, "records/due_soon") == office
    escalate(today=due + timedelta(days=1))
    escalate(today=due + timedelta(days=9))
    assert [k for k, _ in office_kinds(rr.id)] == ["reminded", "escalated"]
    assert sent(rr.id, "records/overdue") == office


def test_a_hearing_asked_for_starts_its_own_deadline(filed_on, demo):
    rr = filed_on(date(2027, 3, 3), RequestKind.AMEND)
    lee = db.session.get(Account, demo.accounts["lee"])
    escalate(today=rr.due_on + timedelta(days=1))
    ops.refuse_amendment(actor=lee, records_request=rr, reason="It is right.")
    assert rr.due_on is None
    escalate(today=date(2027, 6, 1))  # nothing is owed while the family decides
    clock.freeze(datetime(2027, 5, 3, 14, tzinfo=UTC))
    ops.request_hearing(actor=db.session.get(Account, demo.accounts["james"]), records_request=rr)
    assert rr.due_on == date(2027, 6, 17)  # Monday 3 May + 45 days, a Thursday
    escalate(today=rr.due_on + timedelta(days=1))
    assert [k for k, _ in office_kinds(rr.id)] == ["escalated", "escalated"]


def test_the_cli_command_escalates_and_commits(app, demo):
    with app.app_context():
        clock.freeze(datetime(2027, 3, 3, 14, tzinfo=UTC))
        try:
            james = db.session.get(Account, demo.accounts["james"])
            rr_id = ops.file_records_request(
                actor=james,
                student=db.session.get(Student, demo.students["ava"]),
                kind=RequestKind.INSPECT,
                records_sought="All",
            ).id
            db.session.commit()
            clock.freeze(datetime(2027, 5, 1, 14, tzinfo=UTC))
            result = app.test_cli_runner().invoke(args=["records", "escalate"])
        finally:
            clock.reset()
        assert result.exit_code == 0 and "escalated" in result.output
        db.session.remove()
        assert [kind for kind, _note in office_kinds(rr_id)] == ["escalated"]
        db.session.remove()
