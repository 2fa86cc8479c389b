"""Issue 4: a change to the calendar moves the due dates of open requests already filed whose
deadlines include the changed day, as filing computes them; each move is on the timeline, the
overdue steps follow the moved date, and the work is batched, not one query per request."""

from datetime import timedelta

from sqlalchemy import insert, select

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.optouts.escalation import escalate
from consent.optouts.models import OPEN_STATUSES, Event, OptOut
from consent.optouts.rules import due_dates
from consent.schoolcalendar.days import closures_from
from consent.schoolcalendar.models import Closure
from consent.schoolcalendar.operations import add_closures, remove_closure
from tests.schoolcalendar.test_calendar import add, next_open_weekday, today
from tests.support import count_queries


def snapshot(app) -> dict[int, tuple]:
    """Every request: (status, filed day, plan due, confirmation due)."""
    with app.app_context():
        return {
            o.id: (o.status, clock.today(o.filed_at), o.plan_due_on, o.confirm_due_on)
            for o in db.session.scalars(select(OptOut)).unique()
        }


def moved_events(app, optout_id: int) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Event.note)
                .where(Event.optout_id == optout_id, Event.kind == "due_moved")
                .order_by(Event.id)
            )
        )


def expected(app, filed_day):
    with app.app_context():
        return due_dates(filed_day, closures_from(filed_day))


def test_a_new_closure_moves_open_requests_that_include_the_day_and_removing_moves_back(
    as_, app, demo
):
    before = snapshot(app)
    submitted = demo.optouts["submitted"]  # filed today: its deadlines are ahead
    day = next_open_weekday(app, today(app))
    assert day <= before[submitted][2]
    lee = as_("lee")
    answer = add(lee, day, reason="Water main break")
    assert answer.status_code == 302
    page = lee.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 school day closed." in page

    after = snapshot(app)
    covered = {
        i
        for i, (status, filed, _, confirm) in before.items()
        if status in OPEN_STATUSES and filed < day <= confirm
    }
    assert submitted in covered
    assert f"The due dates of {len(covered)} open request" in page
    for optout_id, (_, filed, _, confirm) in before.items():
        if optout_id in covered:
            new = after[optout_id][2:]
            assert new == expected(app, filed), optout_id
            assert new[1] > confirm  # one more school day to go
            assert len(moved_events(app, optout_id)) == 1
        else:  # closed, confirmed, or its deadlines were before the day: untouched
            assert after[optout_id] == before[optout_id], optout_id
            assert moved_events(app, optout_id) == []

    # The family sees the new date and why on the request's timeline.
    shown = as_("maria").get(f"/requests/{submitted}").get_data(as_text=True)
    assert "Due dates moved: the district calendar changed" in shown
    assert "(was " in shown

    # Removing the closure moves them back, with a second line on the timeline.
    with app.app_context():
        closure_id = db.session.scalar(select(Closure.id).where(Closure.day == day))
    removed = lee.post(f"/calendar/closures/{closure_id}/remove", {})
    assert removed.status_code == 302
    flashed = lee.get(removed.headers["Location"]).get_data(as_text=True)
    assert f"The due dates of {len(covered)} open request" in flashed
    assert snapshot(app) == before
    assert all(len(moved_events(app, i)) == 2 for i in covered)


def test_escalation_follows_the_moved_date(ctx, demo):
    lee = db.session.get(Account, demo.accounts["lee"])
    optout = db.session.get(OptOut, demo.optouts["submitted"])
    old_due = optout.plan_due_on
    now = clock.today()
    day = now + timedelta(days=1)
    while day.weekday() >= 5 or day in closures_from(now):
        day += timedelta(days=1)
    assert day <= old_due
    add_closures(actor=lee, first_day=day, last_day=None, reason="Snow day")
    db.session.commit()

    escalate(today=old_due)  # the old date is no longer a deadline: no reminder yet
    assert moved_kinds(optout.id) == []
    db.session.refresh(optout)
    new_due = optout.plan_due_on
    assert new_due > old_due
    escalate(today=new_due)
    assert moved_kinds(optout.id) == [("reminded", f"due {new_due.isoformat()}")]

    # A closure removed: the date moves back, and overdue follows it back.
    remove_closure(actor=lee, closure=db.session.scalar(select(Closure).where(Closure.day == day)))
    db.session.commit()
    db.session.refresh(optout)
    assert optout.plan_due_on == old_due


def test_a_closure_added_in_the_past_does_not_move_a_deadline_that_has_passed(ctx, demo):
    """Backfilling last month's snow day must not move an overdue request's deadlines, which
    would restart its reminders and escalation all over again."""
    lee = db.session.get(Account, demo.accounts["lee"])
    optout = db.session.get(OptOut, demo.optouts["in_progress"])  # overdue in the demo
    now = clock.today()
    filed, plan_due, confirm_due = (
        clock.today(optout.filed_at),
        optout.plan_due_on,
        optout.confirm_due_on,
    )
    assert plan_due < now
    escalate(today=now)
    steps = moved_kinds(optout.id)
    assert steps
    day = filed + timedelta(days=1)
    while day.weekday() >= 5 or day in closures_from(filed):
        day += timedelta(days=1)
    assert day < plan_due
    add_closures(actor=lee, first_day=day, last_day=None, reason="Snow day, recorded late")
    db.session.commit()
    db.session.refresh(optout)
    assert optout.plan_due_on == plan_due
    if confirm_due < now:
        assert optout.confirm_due_on == confirm_due
    escalate(today=now)
    assert moved_kinds(optout.id) == steps  # nothing sent again


def moved_kinds(optout_id: int) -> list[tuple[str, str]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(Event.kind, Event.note)
            .where(
                Event.optout_id == optout_id,
                Event.kind.in_(["reminded", "principal_told", "escalated"]),
            )
            .order_by(Event.id)
        )
    ]


def test_moving_due_dates_costs_the_same_statements_for_40_more_requests(app, demo):
    with app.app_context():
        source = db.session.get(OptOut, demo.optouts["submitted"])
        now = clock.today()
        day = now + timedelta(days=1)
        while day.weekday() >= 5 or day in closures_from(now):
            day += timedelta(days=1)
        template = {
            c.name: getattr(source, c.key)
            for c in OptOut.__table__.columns
            if c.name not in ("id", "feature")
        }
        db.session.remove()

    def measure() -> tuple[int, int]:
        with app.app_context():
            actor = db.session.get(Account, demo.accounts["lee"])
            with count_queries(app) as statements:
                change = add_closures(actor=actor, first_day=day, last_day=None, reason="Budget")
            db.session.rollback()
        return len(statements), change.moved

    small, moved_small = measure()
    with app.app_context():  # forty more open requests whose deadlines include the day
        db.session.execute(insert(OptOut), [{**template, "feature": f"part{n}"} for n in range(40)])
        db.session.commit()
    large, moved_large = measure()
    assert moved_large == moved_small + 40
    assert large == small, (small, large)
