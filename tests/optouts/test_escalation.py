"""Deadlines that pass: reminder, the principal, then the privacy office; never twice."""

from datetime import timedelta

from sqlalchemy import func, select

from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.escalation import escalate
from consent.optouts.models import Event, OptOut
from consent.schoolcalendar.days import add_school_days, closures_from
from consent.schoolcalendar.models import Closure


def sent(optout_id: int, template: str) -> list[str]:
    return sorted(
        db.session.scalars(
            select(Notification.to_address).where(
                Notification.optout_id == optout_id, Notification.kind == template
            )
        )
    )


def steps(optout_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Event.kind)
            .where(
                Event.optout_id == optout_id,
                Event.kind.in_(["reminded", "principal_told", "escalated"]),
            )
            .order_by(Event.id)
        )
    )


def test_each_step_comes_on_its_school_day_and_only_once(ctx, demo):
    optout = db.session.get(OptOut, demo.optouts["submitted"])  # Mateo, Zoom; Mr. Patel's task
    due = optout.plan_due_on
    closures = closures_from(due)  # the demo's holidays
    escalate(today=due - timedelta(days=1))
    assert steps(optout.id) == []

    escalate(today=due)
    assert steps(optout.id) == ["reminded"]
    assert sent(optout.id, "optouts/overdue_teacher") == ["raj.patel@demo.consent.example"]

    day_after = add_school_days(due, 1, closures)
    escalate(today=day_after)
    assert steps(optout.id) == ["reminded", "principal_told"]
    assert sent(optout.id, "optouts/overdue_principal") == ["thomas.reed@demo.consent.example"]

    escalate(today=add_school_days(due, 2, closures))
    assert steps(optout.id) == ["reminded", "principal_told", "escalated"]
    assert sent(optout.id, "optouts/escalated") == ["privacy@demo.consent.example"]

    escalate(today=add_school_days(due, 3, closures))
    db.session.commit()
    assert steps(optout.id) == ["reminded", "principal_told", "escalated"]
    assert len(sent(optout.id, "optouts/escalated")) == 1


def test_a_closure_does_not_count_as_a_school_day(ctx, demo):
    optout = db.session.get(OptOut, demo.optouts["submitted"])
    next_school_day = add_school_days(optout.plan_due_on, 1, closures_from(optout.plan_due_on))
    db.session.add(Closure(day=next_school_day, reason="Snow day"))
    db.session.flush()
    escalate(today=next_school_day)
    assert steps(optout.id) == ["reminded"]  # the principal is told on the next open day


def test_a_planned_request_reminds_the_principal_then_escalates(ctx, demo):
    optout = db.session.get(OptOut, demo.optouts["planned"])  # Ava, Seesaw, at Oakwood
    escalate(today=optout.confirm_due_on)
    assert sent(optout.id, "optouts/overdue_principal") == ["angela.brooks@demo.consent.example"]
    assert sent(optout.id, "optouts/overdue_teacher") == []  # the teachers have planned


def test_the_command_reports_what_it_did_and_repeats_nothing(app):
    first = app.test_cli_runner().invoke(args=["optouts", "escalate"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        escalated = db.session.scalar(select(func.count()).where(Event.kind == "escalated"))
    assert f"escalated to the privacy office {escalated}" in first.output
    second = app.test_cli_runner().invoke(args=["optouts", "escalate"])
    assert second.output.strip() == (
        "reminders 0, principals told 0, escalated to the privacy office 0"
    )
