"""The privacy office keeps the district calendar; a new closure moves the next deadline."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.catalog.models import Tool
from consent.core import clock
from consent.extensions import db
from consent.optouts import operations as ops
from consent.optouts.rules import due_dates
from consent.roster.models import Student
from consent.schoolcalendar.days import closures_from
from consent.schoolcalendar.models import Closure
from tests.support import count_queries

BUDGET = 12


def today(app) -> date:
    with app.app_context():
        return clock.today()


def closed_days(app) -> dict[date, str]:
    with app.app_context():
        return dict(db.session.execute(select(Closure.day, Closure.reason)).all())


def next_open_weekday(app, after: date, skip: int = 0) -> date:
    """A weekday after `after` that is not yet closed (the `skip`-th such day)."""
    taken = closed_days(app)
    day = after
    while True:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in taken:
            if skip == 0:
                return day
            skip -= 1


def audit_count(app, action: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def add(client, first, last=None, reason="Snow day"):
    return client.post(
        "/calendar",
        {
            "first_day": first.isoformat(),
            "last_day": last.isoformat() if last else "",
            "reason": reason,
        },
    )


def test_the_office_sees_this_years_closures(as_, app):
    page = as_("lee").get("/calendar").get_data(as_text=True)
    assert "Thanksgiving" in page and "Winter break" in page
    assert "Add a closure" in page


def test_adding_one_day_lists_it_and_audits_the_change(as_, app):
    lee = as_("lee")
    day = next_open_weekday(app, today(app), skip=3)
    answer = add(lee, day, reason="Teacher training day")
    assert answer.status_code == 302
    assert closed_days(app)[day] == "Teacher training day"
    page = lee.get(answer.headers["Location"]).get_data(as_text=True)
    assert "1 school day closed." in page and "Teacher training day" in page
    assert audit_count(app, "calendar.closure_add") == 1


def test_a_run_of_days_skips_the_weekend(as_, app):
    monday = today(app) + timedelta(days=(7 - today(app).weekday()) + 7 * 20)
    friday_after = monday + timedelta(days=11)
    before = closed_days(app)
    assert not any(monday <= d <= friday_after for d in before)
    add(as_("lee"), monday, friday_after, reason="Spring break")
    added = {d for d in closed_days(app) if d not in before}
    assert len(added) == 10
    assert all(d.weekday() < 5 for d in added)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("out_of_order", "The last day must be on or after the first day."),
        ("duplicate", "Already closed:"),
        ("overlapping_run", "Already closed:"),
        ("weekend", "These days are a weekend, which is never a school day."),
        ("no_reason", "Enter the reason, for example Winter break."),
        ("no_first_day", "Enter the first day the schools are closed."),
    ],
)
def test_bad_closures_are_explained_and_nothing_is_saved(as_, app, case, message):
    now = today(app)
    existing = min(d for d in closed_days(app) if d >= now - timedelta(days=400))
    free = next_open_weekday(app, now, skip=5)
    saturday = now + timedelta(days=(5 - now.weekday()) % 7 + 7)
    data = {
        "out_of_order": (free, free - timedelta(days=1), "Snow"),
        "duplicate": (existing, None, "Again"),
        "overlapping_run": (existing - timedelta(days=3), existing + timedelta(days=3), "Run"),
        "weekend": (saturday, saturday + timedelta(days=1), "Weekend"),
        "no_reason": (free, None, ""),
        "no_first_day": (None, None, "Snow"),
    }[case]
    before = closed_days(app)
    lee = as_("lee")
    answer = lee.post(
        "/calendar",
        {
            "first_day": data[0].isoformat() if data[0] else "",
            "last_day": data[1].isoformat() if data[1] else "",
            "reason": data[2],
        },
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert message in page
    assert 'class="error-summary" role="alert"' in page
    assert closed_days(app) == before
    assert audit_count(app, "calendar.closure_add") == 0


def test_removing_asks_first_then_removes(as_, app):
    lee = as_("lee")
    with app.app_context():
        closure = db.session.scalar(select(Closure).where(Closure.reason == "Thanksgiving"))
        closure_id, day = closure.id, closure.day
    url = f"/calendar/closures/{closure_id}/remove"
    confirm = lee.get(url).get_data(as_text=True)
    assert "Yes, remove it" in confirm and "Thanksgiving" in confirm
    assert day in closed_days(app)  # looking at the question changes nothing
    answer = lee.post(url, {})
    assert answer.status_code == 302
    assert day not in closed_days(app)
    assert audit_count(app, "calendar.closure_remove") == 1
    assert lee.get(url).status_code == 404


def test_removing_without_the_form_token_changes_nothing(as_, app):
    lee = as_("lee")
    with app.app_context():
        closure_id, day = db.session.execute(select(Closure.id, Closure.day).limit(1)).one()
    answer = lee.client.post(f"/calendar/closures/{closure_id}/remove", data={})
    assert answer.status_code == 400
    assert day in closed_days(app)


def test_a_new_closure_moves_the_due_date_of_the_next_request(as_, app, demo):
    now = today(app)
    tomorrow_open = next_open_weekday(app, now)
    with app.app_context():
        without = due_dates(now, closures_from(now))[0]
    add(as_("lee"), tomorrow_open, reason="Water main break")
    with app.app_context():
        james = db.session.get(Account, demo.accounts["james"])
        nearpod = db.session.get(Tool, demo.tools["nearpod"])
        filing = ops.file_optout(
            actor=james,
            student=db.session.get(Student, demo.students["ava"]),
            tool=nearpod,
            feature="",
            accommodation=nearpod.optout_options[0].label,
        )
        db.session.commit()
        assert not filing.joined
        assert filing.optout.plan_due_on > without
        assert tomorrow_open in closures_from(now)
        assert filing.optout.plan_due_on == due_dates(now, closures_from(now))[0]


@pytest.mark.parametrize("persona", ["maria", "grace", "johnson", "brooks", "reed"])
def test_only_the_privacy_office_reaches_the_calendar(as_, app, persona):
    with app.app_context():
        closure_id = db.session.scalar(select(Closure.id).limit(1))
    client = as_(persona)
    before = closed_days(app)
    for method, url in (
        ("get", "/calendar"),
        ("get", f"/calendar/closures/{closure_id}/remove"),
        ("post", f"/calendar/closures/{closure_id}/remove"),
        ("post", "/calendar"),
    ):
        denied = audit_count(app, "access.denied")
        if method == "post":  # a real form post, with a token from a page they may open
            answer = client.post(url, {"reason": "x"}, token_from="/rights")
        else:
            answer = client.get(url)
        assert answer.status_code == 404, (method, url)
        assert audit_count(app, "access.denied") == denied + 1, (method, url)
    assert closed_days(app) == before


def test_anonymous_visitors_are_sent_to_sign_in(browser):
    answer = browser.get("/calendar")
    assert answer.status_code == 302 and "/signin" in answer.headers["Location"]


def test_a_missing_closure_is_a_404(as_):
    assert as_("lee").get("/calendar/closures/987654/remove").status_code == 404


def test_the_calendar_stays_within_the_statement_budget_for_1_and_50_closures(as_, app):
    with app.app_context():
        db.session.execute(Closure.__table__.delete())
        db.session.commit()
    lee = as_("lee")
    start = today(app)
    counts = {}
    for total in (1, 50):
        with app.app_context():
            have = db.session.scalar(select(func.count()).select_from(Closure))
            day = start + timedelta(days=have)
            db.session.add_all(
                [Closure(day=day + timedelta(days=n), reason="Budget") for n in range(total - have)]
            )
            db.session.commit()
        with count_queries(app) as statements:
            assert lee.get("/calendar").status_code == 200
        counts[total] = len(statements)
    assert counts[50] <= BUDGET, counts
    assert counts[1] == counts[50], counts


def test_a_day_closed_at_the_same_moment_is_refused_with_a_message(ctx, demo):
    """Another office member's closure of the same day lands between the check and the write
    (here: a pending row the check cannot see). The operation refuses with a message the form
    shows, not a database error, and saves nothing of its own."""
    from consent.schoolcalendar.operations import CalendarError, add_closures

    lee = db.session.get(Account, demo.accounts["lee"])
    day = date(2031, 3, 4)
    with db.session.no_autoflush:
        db.session.add(Closure(day=day, reason="Closed by someone else"))
        with pytest.raises(CalendarError, match="closed meanwhile"):
            add_closures(actor=lee, first_day=day, last_day=None, reason="Snow")
    db.session.rollback()
    assert (
        db.session.scalar(select(func.count()).select_from(Closure).where(Closure.day == day)) == 0
    )
    assert not db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "calendar.closure_add")
    )
