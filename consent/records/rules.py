"""Plain rules of records requests: transitions, the 45-calendar-day deadline, overdue."""

from datetime import date, timedelta

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_

from consent.core.errors import DomainError
from consent.records.models import OPEN_STATUSES, TRANSITIONS, RecordsRequest, RecordsStatus
from consent.schoolcalendar.days import is_school_day

#: 99.10(b): records are made available within 45 days of the request, at most.
LEGAL_MAXIMUM_DAYS = 45
#: Days before the due date on which the office is reminded.
REMIND_DAYS_BEFORE = 5


class RecordsError(DomainError):
    """A step the records workflow refuses; the message (translatable) is shown to the person."""


def check_transition(current: RecordsStatus, target: RecordsStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise RecordsError(
            _l(
                "This request is %(current)s; it cannot be moved to %(target)s.",
                current=current.value.replace("_", " "),
                target=target.value.replace("_", " "),
            )
        )


def allowed_days(setting: str = "RECORDS_INSPECT_DAYS") -> int:
    """The district's setting, which may shorten the legal 45 days but never lengthen them."""
    days = current_app.config.get(setting, LEGAL_MAXIMUM_DAYS) if has_app_context() else 45
    return max(1, min(int(days), LEGAL_MAXIMUM_DAYS))


def due_on(start: date, days: int, closures: set[date]) -> date:
    """`days` calendar days after `start`: weekends and closures count, as the law counts them.

    When that day is a weekend or a closure, the office cannot make records available on it,
    so the deadline is the last school day before it (never later than the law allows)."""
    due = start + timedelta(days=days)
    day = due
    while day > start and not is_school_day(day, closures):
        day -= timedelta(days=1)
    return day if day > start else due


def is_overdue(records_request: RecordsRequest, today: date) -> bool:
    return (
        records_request.status in OPEN_STATUSES
        and records_request.due_on is not None
        and today > records_request.due_on
    )


def overdue_condition(today: date):
    """SQL twin of `is_overdue`, for filtering and sorting lists."""
    return and_(RecordsRequest.status.in_(OPEN_STATUSES), RecordsRequest.due_on < today)
