"""The timeline: every kind of line has words for the page, and a line that moved the request
says from which status to which."""

import pytest
from sqlalchemy import select

from consent.core.templating import EVENT_LABELS
from consent.extensions import db
from consent.optouts import operations as ops
from consent.optouts.models import Event, EventKind, OptOut, TaskStatus
from consent.optouts.rules import OptOutError


def test_every_kind_of_timeline_line_has_a_label():
    assert set(EVENT_LABELS) == {kind.value for kind in EventKind}


def _lines(optout_id: int) -> list[tuple[str, str | None, str | None, str]]:
    return [
        (e.kind, e.from_status, e.to_status, e.actor_role)
        for e in db.session.scalars(
            select(Event).where(Event.optout_id == optout_id).order_by(Event.id)
        )
    ]


def test_the_first_acknowledgement_moves_the_request_and_a_later_one_only_says_so(ctx, demo):
    from consent.accounts.models import Account

    optout = db.session.get(OptOut, demo.ids["optouts"]["submitted"])
    patel = db.session.get(Account, demo.ids["accounts"]["patel"])
    task = next(t for t in optout.tasks if t.teacher_id == patel.staff_id)
    ops.acknowledge_task(actor=patel, task=task)
    db.session.commit()
    assert task.status is TaskStatus.ACKNOWLEDGED and task.acknowledged_at is not None
    assert _lines(optout.id)[-1] == ("acknowledged", "submitted", "in_progress", "teacher")


def test_a_principal_return_keeps_the_teachers_last_plan_and_acknowledgement(ctx, demo):
    from consent.accounts.models import Account

    optout = db.session.get(OptOut, demo.ids["optouts"]["planned"])
    brooks = db.session.get(Account, demo.ids["accounts"]["brooks"])
    ops.return_plan(actor=brooks, optout=optout, note="Add the field trip.")
    db.session.commit()
    assert {t.status for t in optout.tasks} == {TaskStatus.ACKNOWLEDGED}
    assert all(t.plan_option and t.acknowledged_at for t in optout.tasks)
    assert _lines(optout.id)[-1] == ("returned", "planned", "in_progress", "principal")


def test_a_task_move_outside_the_table_is_refused_and_changes_nothing(ctx, demo):
    optout = db.session.get(OptOut, demo.ids["optouts"]["withdrawn"])
    [task] = [t for t in optout.tasks if t.status is TaskStatus.CLOSED][:1]
    before = (task.status, task.planned_at, task.plan_option, task.closed_reason)
    with pytest.raises(OptOutError, match="This task is closed; it cannot be moved to planned"):
        ops._move_task(task, TaskStatus.PLANNED, actor=None, plan=("Camera off", ""))
    assert (task.status, task.planned_at, task.plan_option, task.closed_reason) == before
