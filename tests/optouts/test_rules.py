"""The workflow's plain rules: the transition table, school-day deadlines, overdue."""

from datetime import date

import pytest

from consent.optouts.models import TASK_TRANSITIONS, TRANSITIONS, OptOutStatus, TaskStatus
from consent.optouts.rules import OptOutError, check_task_transition, check_transition, due_dates
from consent.schoolcalendar.days import add_school_days


@pytest.mark.parametrize("current", list(OptOutStatus))
@pytest.mark.parametrize("target", list(OptOutStatus))
def test_only_listed_transitions_are_allowed(current, target):
    if target in TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(OptOutError, match="cannot be moved"):
            check_transition(current, target)


def test_the_workflow_reaches_confirmed_and_ends_in_withdrawn_or_closed():
    assert OptOutStatus.IN_PROGRESS in TRANSITIONS[OptOutStatus.SUBMITTED]
    assert OptOutStatus.PLANNED in TRANSITIONS[OptOutStatus.IN_PROGRESS]
    assert OptOutStatus.CONFIRMED in TRANSITIONS[OptOutStatus.PLANNED]
    assert OptOutStatus.IN_PROGRESS in TRANSITIONS[OptOutStatus.PLANNED]  # returned
    assert not TRANSITIONS[OptOutStatus.WITHDRAWN]
    assert not TRANSITIONS[OptOutStatus.CLOSED]


LEGAL_TASK_MOVES = {
    (TaskStatus.OPEN, TaskStatus.ACKNOWLEDGED),
    (TaskStatus.OPEN, TaskStatus.CLOSED),
    (TaskStatus.ACKNOWLEDGED, TaskStatus.PLANNED),
    (TaskStatus.ACKNOWLEDGED, TaskStatus.CLOSED),
    (TaskStatus.PLANNED, TaskStatus.PLANNED),  # the teacher revises the plan
    (TaskStatus.PLANNED, TaskStatus.ACKNOWLEDGED),  # the principal returned it
    (TaskStatus.PLANNED, TaskStatus.CLOSED),
    (TaskStatus.CLOSED, TaskStatus.OPEN),  # routed to the teacher again
}


@pytest.mark.parametrize("current, target", sorted(LEGAL_TASK_MOVES))
def test_every_legal_task_move_is_allowed(current, target):
    assert target in TASK_TRANSITIONS[current]
    check_task_transition(current, target)


@pytest.mark.parametrize(
    "current, target",
    sorted((c, t) for c in TaskStatus for t in TaskStatus if (c, t) not in LEGAL_TASK_MOVES),
)
def test_every_other_task_move_is_refused_with_a_clear_message(current, target):
    with pytest.raises(OptOutError) as refused:
        check_task_transition(current, target)
    assert str(refused.value) == f"This task is {current}; it cannot be moved to {target}."


def test_a_task_is_planned_only_after_it_was_acknowledged_and_never_reopened_as_planned():
    assert TaskStatus.PLANNED not in TASK_TRANSITIONS[TaskStatus.OPEN]
    assert TASK_TRANSITIONS[TaskStatus.CLOSED] == {TaskStatus.OPEN}


def test_school_days_skip_weekends():
    friday = date(2026, 11, 6)
    assert add_school_days(friday, 1, set()) == date(2026, 11, 9)  # Monday
    assert add_school_days(friday, 3, set()) == date(2026, 11, 11)


def test_school_days_skip_closures():
    wednesday = date(2026, 11, 25)
    thanksgiving = {date(2026, 11, 26), date(2026, 11, 27)}
    assert add_school_days(wednesday, 1, thanksgiving) == date(2026, 11, 30)
    assert add_school_days(wednesday, 1, set()) == date(2026, 11, 26)


def test_plan_due_in_three_school_days_and_confirmation_two_more():
    monday = date(2026, 11, 16)
    plan, confirm = due_dates(monday, set())
    assert plan == date(2026, 11, 19)  # Thursday
    assert confirm == date(2026, 11, 23)  # Monday after the weekend
    plan, confirm = due_dates(monday, {date(2026, 11, 18)})
    assert plan == date(2026, 11, 20)
    assert confirm == date(2026, 11, 24)
