"""The product works whatever the date and hour: the demo district is loaded, a family files,
a teacher plans, the principal confirms, the morning job runs and every message goes out — at a
weekend, during a closure, at 23:59 in the district while it is already tomorrow in UTC, across
New Year, the first and last day of a school year and both daylight-saving changes.

Found trying the app as a new user: the demo stamped its messages at 15:00 UTC on the day it was
loaded, so before 15:00 they were "not due yet" and the test suite failed every morning."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from consent.catalog.models import Tool
from consent.core import clock
from consent.demo.operations import load_demo
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.optouts.models import OptOut, OptOutStatus, Task
from consent.roster.models import Student
from consent.schoolcalendar.days import add_school_days, is_school_day
from consent.schoolcalendar.models import Closure
from tests.support import Browser, wipe

ZONE = ZoneInfo("America/New_York")
YEAR = clock.today().year


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _local(day: date, hour: int, minute: int = 0, *, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE, fold=fold)


INSTANTS = {
    "saturday noon": _local(_nth_weekday(YEAR, 5, 5, 2), 12),
    "23:59 on a weekday, tomorrow in UTC": _local(_nth_weekday(YEAR, 10, 1, 2), 23, 59),
    "monday just after midnight": _local(_nth_weekday(YEAR, 10, 0, 3), 0, 1),
    "new year's eve 23:59": _local(date(YEAR, 12, 31), 23, 59),
    "new year's day 00:01": _local(date(YEAR + 1, 1, 1), 0, 1),
    "last evening of a school year": _local(date(YEAR, 7, 31), 23, 59),
    "first morning of a school year": _local(date(YEAR, 8, 1), 0, 1),
    "winter break (a closure)": _local(date(YEAR, 12, 23), 10),
    "spring forward 03:30": _local(_nth_weekday(YEAR, 3, 6, 2), 3, 30),
    "fall back, the second 01:30": _local(_nth_weekday(YEAR, 11, 6, 1), 1, 30, fold=1),
}


@pytest.fixture
def at_instant(app, request):
    """The demo district loaded afresh with the clock standing at the instant."""
    moment = request.param
    clock.freeze(moment)
    try:
        with app.app_context():
            wipe(app)
            load_demo()
            db.session.commit()
            db.session.remove()
        yield moment
    finally:
        clock.reset()


def _ids(app):
    with app.app_context():
        sofia = db.session.scalar(select(Student.id).where(Student.given_name == "Sofia"))
        seesaw = db.session.scalar(select(Tool).where(Tool.name == "Seesaw"))
        ids = sofia, seesaw.id, seesaw.optout_options[0].label
        db.session.remove()
        return ids


def _sign_in(app, persona):
    browser = Browser(app.test_client())
    browser.sign_in(persona)
    return browser


@pytest.mark.parametrize("at_instant", INSTANTS.values(), ids=INSTANTS.keys(), indirect=True)
def test_file_plan_confirm_and_deliver_at(app, at_instant, smtp):
    today = clock.today()
    with app.app_context():
        pending = db.session.scalar(
            select(func.count()).where(Notification.delivery_status == DeliveryStatus.PENDING)
        )
        not_yet_due = db.session.scalar(
            select(func.count()).where(
                Notification.delivery_status == DeliveryStatus.PENDING,
                Notification.next_attempt_at > clock.now(),
            )
        )
        future = db.session.scalar(
            select(func.count()).where(Notification.created_at > clock.now())
        )
        db.session.remove()
    assert (not_yet_due, future) == (0, 0), "the demo wrote messages dated in the future"

    delivered = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert delivered.output == f"sent {pending}, failed 0\n"

    sofia, seesaw, accommodation = _ids(app)
    maria = _sign_in(app, "maria")
    url = f"/students/{sofia}/optouts/new?tool={seesaw}"
    fields = {"feature": "photos", "accommodation": accommodation, "reason": ""}
    sent = maria.post(url, {**fields, "send": "Send request"})
    assert sent.status_code == 302, sent.status_code

    with app.app_context():
        optout = db.session.scalars(select(OptOut).order_by(OptOut.id.desc())).first()
        closures = set(db.session.scalars(select(Closure.day)))
        assert clock.today(optout.filed_at) == today
        assert optout.plan_due_on == add_school_days(today, 3, closures)
        assert is_school_day(optout.plan_due_on, closures)
        tasks = list(db.session.scalars(select(Task.id).where(Task.optout_id == optout.id)))
        optout_id = optout.id
        db.session.remove()
    assert tasks

    for persona in ("johnson", "kim"):
        teacher = _sign_in(app, persona)
        with app.app_context():
            from consent.accounts.models import Account

            staff_id = db.session.scalar(
                select(Account.staff_id).where(Account.email.like(f"%{persona}%"))
            )
            task_id = db.session.scalar(
                select(Task.id).where(Task.optout_id == optout_id, Task.teacher_id == staff_id)
            )
            db.session.remove()
        if task_id is None:
            continue
        planned = teacher.post(
            f"/tasks/{task_id}/plan",
            {"option": accommodation, "note": "Done."},
            token_from=f"/requests/{optout_id}",
        )
        assert planned.status_code == 302, planned.status_code

    brooks = _sign_in(app, "brooks")
    brooks.post(f"/requests/{optout_id}/confirm", {}, token_from=f"/requests/{optout_id}")
    with app.app_context():
        assert db.session.get(OptOut, optout_id).status is OptOutStatus.CONFIRMED
        db.session.remove()

    escalated = app.test_cli_runner().invoke(args=["optouts", "escalate"])
    assert escalated.exit_code == 0, escalated.output
    again = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert again.exit_code == 0 and again.output.endswith("failed 0\n"), again.output
    with app.app_context():
        left = db.session.scalar(
            select(func.count()).where(Notification.delivery_status == DeliveryStatus.PENDING)
        )
        db.session.remove()
    assert left == 0

    for persona in ("maria", "patel", "reed", "lee"):
        home = _sign_in(app, persona).get("/", follow_redirects=True)
        assert home.status_code == 200, persona
