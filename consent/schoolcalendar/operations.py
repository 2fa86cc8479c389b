"""The privacy office's changes to the district calendar; open requests' due dates follow.

Counting school days is in `consent.schoolcalendar.days`."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consent.audit.operations import record
from consent.core.errors import DomainError
from consent.extensions import db
from consent.optouts.operations import move_due_dates
from consent.schoolcalendar.models import Closure

MAX_CLOSURE_DAYS = 366


class CalendarError(DomainError):
    """A change the calendar refuses; the message (translatable) is shown on the form."""


@dataclass
class CalendarChange:
    closures: list[Closure]
    moved: int  # open requests whose due dates moved


def add_closures(*, actor, first_day: date, last_day: date | None, reason: str) -> CalendarChange:
    """Close every weekday from `first_day` to `last_day`; refuse the whole run if any day is
    already closed, so nothing is half-saved. Deadlines skip these days: those of open requests
    already filed move, and those computed from now on."""
    last_day = last_day or first_day
    if last_day < first_day:
        raise CalendarError(_l("The last day must be on or after the first day."))
    if (last_day - first_day).days >= MAX_CLOSURE_DAYS:
        raise CalendarError(_l("A closure can cover at most one year."))
    days = [
        first_day + timedelta(days=n)
        for n in range((last_day - first_day).days + 1)
        if (first_day + timedelta(days=n)).weekday() < 5
    ]
    if not days:
        raise CalendarError(_l("These days are a weekend, which is never a school day."))
    taken = sorted(db.session.scalars(select(Closure.day).where(Closure.day.in_(days))))
    if taken:
        raise CalendarError(
            _l(
                "Already closed: %(days)s. Remove that closure first or choose other days.",
                days=", ".join(format_date(day, "medium") for day in taken),
            )
        )
    closures = [Closure(day=day, reason=reason.strip()) for day in days]
    try:
        with db.session.begin_nested():
            db.session.add_all(closures)
            db.session.flush()
    except IntegrityError as error:  # someone closed one of these days at the same moment
        raise CalendarError(_l("One of these days was closed meanwhile. Try again.")) from error
    record(actor, "calendar.closure_add", target=f"closure:{days[0]}..{days[-1]}")
    db.session.flush()
    return CalendarChange(closures=closures, moved=move_due_dates(actor=actor, days=days))


def remove_closure(*, actor, closure: Closure) -> int:
    """Make a closed day a school day again: open requests whose deadlines include it move
    earlier, and deadlines computed from now on count it. Returns how many requests moved."""
    day = closure.day
    record(actor, "calendar.closure_remove", target=f"closure:{day}")
    db.session.delete(closure)
    db.session.flush()
    return move_due_dates(actor=actor, days=[day])
