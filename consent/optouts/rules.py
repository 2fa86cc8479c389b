"""Plain rules of the opt-out workflow: transitions, deadlines, what counts as overdue, and
which choices fit the part of a tool a family opts out of."""

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_

from consent.catalog.models import Tool, ToolOptOutOption
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


# --- which choices fit which part of a tool ------------------------------------------------


def option_fits(option: ToolOptOutOption, feature: str) -> bool:
    """A choice made for one part of a tool ("Camera off" for video) fits that part, and a
    request about the whole tool, which holds every part; a choice for no particular part (an
    alternative activity) fits anything. `feature` is a feature key, or "" for the whole tool."""
    return option.feature_key is None or not feature or option.feature_key == feature


def fitting_options(tool: Tool, feature: str) -> list[str]:
    """The labels of the choices a request about `feature` of `tool` is offered, in order."""
    return [o.label for o in tool.optout_options if option_fits(o, feature)]


def check_fits(tool: Tool, feature: str, choice: str) -> None:
    """Refuse a choice of the tool's that does not answer the part the request is about."""
    for option in tool.optout_options:
        if option.label == choice and not option_fits(option, feature):
            raise OptOutError(
                _l(
                    "“%(choice)s” is not a choice for %(part)s. Choose one of the choices "
                    "listed for it.",
                    choice=choice,
                    part=tool.feature_label(feature) or feature,
                )
            )


@dataclass(frozen=True)
class ChoiceGroup:
    """The choices made for one part of a tool (`part` a feature key), or for any part
    (`part` ""), for a form that shows them grouped and a browser that hides what does not fit."""

    part: str
    part_label: str | None
    choices: tuple[str, ...]


def choice_groups(tool: Tool) -> list[ChoiceGroup]:
    """Each part's own choices, in the order of the tool's parts, then the choices for any part.
    A choice naming a part the tool no longer has is offered for the whole tool only."""
    groups = [
        ChoiceGroup(
            f.key,
            f.label,
            tuple(o.label for o in tool.optout_options if o.feature_key == f.key),
        )
        for f in tool.features
    ]
    keys = {f.key for f in tool.features}
    general = tuple(o.label for o in tool.optout_options if o.feature_key is None)
    orphans = tuple(
        o.label for o in tool.optout_options if o.feature_key and o.feature_key not in keys
    )
    groups.append(ChoiceGroup("", None, general))
    if orphans:
        groups.append(ChoiceGroup("*", None, orphans))
    return [g for g in groups if g.choices]
