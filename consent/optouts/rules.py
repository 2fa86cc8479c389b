"""Plain rules of the opt-out workflow: transitions, deadlines and what counts as overdue."""

from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_

from consent.core.errors import DomainError
from consent.optouts.models import (
    TASK_TRANSITIONS,
    TRANSITIONS,
    OptOut,
    OptOutStatus,
    TaskStatus,
)
from consent.schoolcalendar.days import add_school_days, school_year_start

PLAN_WITHIN_SCHOOL_DAYS = 3
CONFIRM_WITHIN_SCHOOL_DAYS = 2


class OptOutError(DomainError):
    """A request the workflow refuses; the message (translatable) is shown to the person."""


def check_transition(current: OptOutStatus, target: OptOutStatus) -> None:
    if target not in TRANSITIONS[current]:
        raise OptOutError(
            _l(
                "This request is %(current)s; it cannot be moved to %(target)s.",
                current=current.value.replace("_", " "),
                target=target.value.replace("_", " "),
            )
        )


def check_task_transition(current: TaskStatus, target: TaskStatus) -> None:
    if target not in TASK_TRANSITIONS[current]:
        raise OptOutError(
            _l(
                "This task is %(current)s; it cannot be moved to %(target)s.",
                current=current.value,
                target=target.value,
            )
        )


def due_dates(filed_on: date, closures: set[date]) -> tuple[date, date]:
    """Plan due 3 school days after filing; confirmation due 2 school days after that."""
    plan_due = add_school_days(filed_on, PLAN_WITHIN_SCHOOL_DAYS, closures)
    return plan_due, add_school_days(plan_due, CONFIRM_WITHIN_SCHOOL_DAYS, closures)


def is_overdue(optout: OptOut, today: date) -> bool:
    if optout.status in (OptOutStatus.SUBMITTED, OptOutStatus.IN_PROGRESS):
        return today > optout.plan_due_on
    if optout.status is OptOutStatus.PLANNED:
        return today > optout.confirm_due_on
    return False


def overdue_condition(today: date):
    """SQL twin of `is_overdue`, for filtering and sorting lists."""
    return or_(
        and_(
            OptOut.status.in_([OptOutStatus.SUBMITTED, OptOutStatus.IN_PROGRESS]),
            OptOut.plan_due_on < today,
        ),
        and_(OptOut.status == OptOutStatus.PLANNED, OptOut.confirm_due_on < today),
    )


def check_received(received_on: date, today: date) -> None:
    """Staff record a request on the day the family asked: not a day to come, not last year."""
    if received_on > today:
        raise OptOutError(_l("The date received cannot be in the future."))
    start = school_year_start(today)
    if received_on < start:
        raise OptOutError(
            _l(
                "The date received must be in this school year, on or after %(day)s.",
                day=format_date(start, "long"),
            )
        )
