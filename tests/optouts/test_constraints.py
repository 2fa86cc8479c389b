"""The database itself holds requests and tasks to what their status says, and timeline lines
to the known kinds: a write that breaks one is refused, whatever code made it."""

import pytest
from sqlalchemy import insert, literal_column, update
from sqlalchemy.exc import IntegrityError

from consent.core import clock
from consent.extensions import db
from consent.optouts.models import Event, EventKind, OptOut, OptOutStatus, Task, TaskStatus


def _optout_id(demo, key: str) -> int:
    return demo.ids["optouts"][key]


def _task_id(optout_id: int, status: TaskStatus) -> int:
    return db.session.scalar(
        db.select(Task.id).where(Task.optout_id == optout_id, Task.status == status).limit(1)
    )


def _refused(statement) -> None:
    with pytest.raises(IntegrityError):
        db.session.execute(statement)
    db.session.rollback()


OPTOUT_BREAKS = [
    ("submitted", {"resolved_at": "now"}),  # open, yet resolved
    ("in_progress", {"ended_at": "now"}),  # open, yet ended
    ("planned", {"resolved_at": "now"}),
    ("confirmed", {"resolved_at": None}),  # confirmed without the time it was
    ("confirmed", {"ended_at": "now"}),  # in effect, yet ended
    ("withdrawn", {"ended_at": None}),  # ended without the time it ended
    ("closed", {"ended_at": None}),
]


@pytest.mark.parametrize("key, values", OPTOUT_BREAKS)
def test_a_request_whose_timestamps_contradict_its_status_is_refused(ctx, demo, key, values):
    values = {k: clock.now() if v == "now" else v for k, v in values.items()}
    _refused(update(OptOut).where(OptOut.id == _optout_id(demo, key)).values(**values))


def test_a_status_change_without_its_timestamp_is_refused(ctx, demo):
    _refused(
        update(OptOut)
        .where(OptOut.id == _optout_id(demo, "planned"))
        .values(status=OptOutStatus.CONFIRMED)
    )
    _refused(
        update(OptOut)
        .where(OptOut.id == _optout_id(demo, "confirmed"))
        .values(status=OptOutStatus.WITHDRAWN)
    )


def test_a_request_with_the_timestamps_of_its_status_is_accepted(ctx, demo):
    """The control: the constraint refuses contradictions, not every write."""
    optout_id = _optout_id(demo, "confirmed")
    db.session.execute(
        update(OptOut)
        .where(OptOut.id == optout_id)
        .values(status=OptOutStatus.WITHDRAWN, ended_at=clock.now())
    )
    db.session.commit()
    optout = db.session.get(OptOut, optout_id)
    assert optout.resolved_at is not None  # when it was confirmed stays on record
    assert optout.ended_at is not None


TASK_BREAKS = [
    ("in_progress", TaskStatus.ACKNOWLEDGED, {"acknowledged_at": None}),
    ("planned", TaskStatus.PLANNED, {"planned_at": None}),
    ("planned", TaskStatus.PLANNED, {"plan_option": None}),
    ("planned", TaskStatus.PLANNED, {"acknowledged_at": None}),
    ("withdrawn", TaskStatus.CLOSED, {"closed_reason": ""}),
]


@pytest.mark.parametrize("key, status, values", TASK_BREAKS)
def test_a_task_whose_details_contradict_its_status_is_refused(ctx, demo, key, status, values):
    task_id = _task_id(_optout_id(demo, key), status)
    assert task_id is not None
    _refused(update(Task).where(Task.id == task_id).values(**values))


def test_a_task_cannot_be_marked_planned_without_a_plan(ctx, demo):
    task_id = _task_id(_optout_id(demo, "in_progress"), TaskStatus.ACKNOWLEDGED)
    _refused(update(Task).where(Task.id == task_id).values(status=TaskStatus.PLANNED))
    db.session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(status=TaskStatus.PLANNED, planned_at=clock.now(), plan_option="Camera off")
    )
    db.session.commit()
    assert db.session.get(Task, task_id).status is TaskStatus.PLANNED


def test_a_timeline_line_of_an_unknown_kind_is_refused(ctx, demo):
    def line(kind: str):
        # A literal, past the Enum's own check in Python: only the database stands in the way.
        return insert(Event).values(
            optout_id=_optout_id(demo, "submitted"),
            at=clock.now(),
            kind=literal_column(f"'{kind}'"),
            actor_role="system",
            actor_name="",
            note="",
        )

    _refused(line("fild"))
    db.session.execute(line(EventKind.JOINED.value))
    db.session.commit()
