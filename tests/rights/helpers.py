"""Shared steps of the rights-at-18 tests: a demo child whose 18th birthday is a chosen day."""

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from consent.core import clock
from consent.extensions import db
from consent.rights.operations import pass_rights
from consent.roster.models import Guardian, Student

STUDENT_EMAIL = "mateo.garcia@student.demo.consent.example"
INVITATION_RE = re.compile(r"http://consent\.test(/invitation/[A-Za-z0-9_\-.]+)")


def birthday_day(today: date) -> date:
    """A day on or after `today` that has the same date 18 years before it (not 28 February to
    1 March, where leap years make "the same date" ambiguous): the 18th birthday used here."""
    day = today
    while (day.month, day.day) in ((2, 28), (2, 29), (3, 1)):
        day += timedelta(days=1)
    return day


def eighteen_on(day: date) -> date:
    return day.replace(year=day.year - 18)


def just_before(day: date) -> datetime:
    return clock.day_start(day) - timedelta(minutes=1)  # 23:59 the evening before, district time


def just_after(day: date) -> datetime:
    return clock.day_start(day) + timedelta(minutes=1)  # 00:01 on the day, district time


def set_birthday(app, student_id: int, day: date, *, email: str | None = STUDENT_EMAIL, **more):
    """The roster says the student turns 18 on `day`."""
    with app.app_context():
        student = db.session.get(Student, student_id)
        student.birth_date = eighteen_on(day)
        student.email = email
        for name, value in more.items():
            setattr(student, name, value)
        db.session.commit()
        db.session.remove()


def turn_eighteen(app, student_id: int, **more):
    """The student's 18th birthday is today; the morning job runs. Returns the job's report."""
    day = birthday_day(clock.today())
    set_birthday(app, student_id, day, **more)
    with app.app_context(), clock.at(just_after(day)):
        report = pass_rights(today=clock.today())
        db.session.commit()
        db.session.remove()
    return report


def own_record(app, student_id: int) -> Guardian | None:
    with app.app_context():
        found = db.session.scalar(select(Guardian).where(Guardian.student_id == student_id))
        db.session.expunge_all()
        db.session.remove()
    return found
