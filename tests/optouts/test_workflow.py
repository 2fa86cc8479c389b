"""Routing, joining, the transitions and their notifications, called as plain operations."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consent.accounts.models import Account
from consent.catalog.models import Tool
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts import operations as ops
from consent.optouts.models import Event, OptOut, OptOutRequester, OptOutStatus, TaskStatus
from consent.optouts.rules import OptOutError, fitting_options, is_overdue
from consent.roster.models import GuardianLink, Student


@pytest.fixture
def get(ctx, demo):
    """get("accounts", "maria") → the demo object, loaded in this test's session."""
    from consent.accounts.models import Account
    from consent.catalog.models import Tool
    from consent.optouts.models import OptOut
    from consent.roster.models import Staff, Student

    models = {
        "accounts": Account,
        "tools": Tool,
        "students": Student,
        "staff": Staff,
        "optouts": OptOut,
    }

    def load(kind, key):
        return db.session.get(models[kind], demo.ids[kind][key])

    return load


def file(get, guardian, student, tool, feature="", accommodation=None, reason=""):
    tool_obj = get("tools", tool)
    return ops.file_optout(
        actor=get("accounts", guardian),
        student=get("students", student),
        tool=tool_obj,
        feature=feature,
        # the first choice that fits the part (Camera off is no answer to Chat)
        accommodation=accommodation or fitting_options(tool_obj, feature)[0],
        reason=reason,
    )


def teachers_of(optout):
    return sorted(t.teacher.family_name for t in optout.tasks)


def notified(optout_id):
    rows = db.session.execute(
        select(Notification.kind, Notification.to_address).where(
            Notification.optout_id == optout_id
        )
    )
    return sorted(tuple(row) for row in rows)


def test_school_wide_tool_routes_to_every_teacher_of_the_child(get):
    filing = file(get, "maria", "sofia", "seesaw")
    db.session.commit()
    assert not filing.joined
    assert teachers_of(filing.optout) == ["Johnson", "Kim"]
    assert notified(filing.optout.id) == [
        ("optouts/filed_principal", "angela.brooks@demo.consent.example"),
        ("optouts/receipt", "maria.garcia@demo.consent.example"),
        ("optouts/task_assigned", "david.kim@demo.consent.example"),
        ("optouts/task_assigned", "emily.johnson@demo.consent.example"),
    ]


def test_section_tool_routes_only_to_teachers_of_sections_that_use_it(get):
    # Zoom is used in Room 12 (Ms. Johnson) but not in Grade 4 Science (Ms. Johnson, Mr. Kim).
    filing = file(get, "maria", "sofia", "zoom", feature="chat")
    assert teachers_of(filing.optout) == ["Johnson"]


def test_district_tool_routes_to_the_childs_teachers_in_their_own_school(get):
    filing = file(get, "maria", "mateo", "classroom")
    assert teachers_of(filing.optout) == ["Patel"]
    assert ("optouts/filed_principal", "thomas.reed@demo.consent.example") in notified(
        filing.optout.id
    )


def test_filing_writes_the_event_and_the_due_dates(get):
    filing = file(get, "maria", "sofia", "seesaw", reason="  Privacy at home.  ")
    optout = filing.optout
    assert optout.status is OptOutStatus.SUBMITTED
    assert optout.reason == "Privacy at home."
    assert optout.plan_due_on > clock.today()
    assert optout.confirm_due_on > optout.plan_due_on
    kinds = db.session.scalars(select(Event.kind).where(Event.optout_id == optout.id)).all()
    assert kinds == ["filed"]


def test_a_tool_the_child_does_not_use_is_refused(get):
    with pytest.raises(OptOutError, match="not in use"):
        file(get, "maria", "sofia", "khan")  # Khan Academy is used only at Riverside


def test_an_accommodation_the_tool_does_not_offer_is_refused(get):
    with pytest.raises(OptOutError, match="accommodations listed"):
        file(get, "maria", "sofia", "seesaw", accommodation="Camera off")


def test_the_same_request_twice_joins_instead_of_duplicating(get, demo):
    before = db.session.scalar(select(func.count()).select_from(OptOut))
    first = file(get, "maria", "sofia", "seesaw")
    again = file(get, "maria", "sofia", "seesaw")
    other_parent = file(get, "luis", "sofia", "seesaw")
    db.session.commit()
    assert again.joined and other_parent.joined
    assert again.optout.id == first.optout.id == other_parent.optout.id
    assert db.session.scalar(select(func.count()).select_from(OptOut)) == before + 1
    requesters = db.session.scalars(
        select(OptOutRequester.guardian_id).where(OptOutRequester.optout_id == first.optout.id)
    ).all()
    assert sorted(requesters) == sorted([demo.guardians["maria"], demo.guardians["luis"]])
    joined_events = db.session.scalar(
        select(func.count()).where(Event.optout_id == first.optout.id, Event.kind == "joined")
    )
    assert joined_events == 1


def test_the_database_refuses_a_second_active_request(get, demo):
    existing = get("optouts", "submitted")
    duplicate = OptOut(
        student_id=existing.student_id,
        tool_id=existing.tool_id,
        feature=existing.feature,
        accommodation=existing.accommodation,
        filed_by_guardian_id=demo.guardians["maria"],
        plan_due_on=existing.plan_due_on,
        confirm_due_on=existing.confirm_due_on,
    )
    db.session.add(duplicate)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_different_feature_is_a_different_request(get):
    filing = file(get, "maria", "mateo", "zoom", feature="video", accommodation="Camera off")
    assert not filing.joined


def test_a_new_request_may_follow_a_withdrawn_one(get):
    # Sofia's Google Classroom request was withdrawn in the demo.
    filing = file(get, "luis", "sofia", "classroom")
    assert not filing.joined
    assert filing.optout.id != get("optouts", "withdrawn").id


def test_full_journey_with_a_returned_plan(get):
    optout = file(get, "maria", "sofia", "seesaw").optout
    johnson, kim = get("accounts", "johnson"), get("accounts", "kim")
    task_j = next(t for t in optout.tasks if t.teacher.family_name == "Johnson")
    task_k = next(t for t in optout.tasks if t.teacher.family_name == "Kim")

    ops.acknowledge_task(actor=johnson, task=task_j)
    assert optout.status is OptOutStatus.IN_PROGRESS
    option = optout.tool.optout_options[0].label
    ops.record_plan(actor=johnson, task=task_j, option=option, note="Drawings only.")
    assert optout.status is OptOutStatus.IN_PROGRESS  # Mr. Kim has not planned yet
    ops.record_plan(actor=kim, task=task_k, option=option)
    assert optout.status is OptOutStatus.PLANNED

    ops.return_plan(actor=get("accounts", "brooks"), optout=optout, note="Add the science journal.")
    assert optout.status is OptOutStatus.IN_PROGRESS
    assert {t.status for t in optout.tasks} == {TaskStatus.ACKNOWLEDGED}
    ops.record_plan(actor=johnson, task=task_j, option=option, note="Journal too.")
    ops.record_plan(actor=kim, task=task_k, option=option)
    ops.confirm(actor=get("accounts", "brooks"), optout=optout)
    db.session.commit()

    assert optout.status is OptOutStatus.CONFIRMED
    assert optout.resolved_at is not None
    kinds = db.session.scalars(
        select(Event.kind).where(Event.optout_id == optout.id).order_by(Event.id)
    ).all()
    assert kinds == [
        "filed",
        "acknowledged",
        "plan_recorded",
        "acknowledged",
        "plan_recorded",
        "planned",
        "returned",
        "plan_recorded",
        "plan_recorded",
        "planned",
        "confirmed",
    ]
    to_guardian = [k for k, to in notified(optout.id) if to == "maria.garcia@demo.consent.example"]
    assert sorted(to_guardian) == ["optouts/confirmed", "optouts/receipt", "optouts/work_started"]
    to_principal = [
        k for k, to in notified(optout.id) if to == "angela.brooks@demo.consent.example"
    ]
    assert sorted(to_principal) == [
        "optouts/filed_principal",
        "optouts/ready_to_confirm",
        "optouts/ready_to_confirm",
    ]


def test_an_illegal_transition_changes_nothing(get):
    optout = get("optouts", "submitted")
    events_before = db.session.scalar(select(func.count()).where(Event.optout_id == optout.id))
    notes_before = db.session.scalar(select(func.count()).select_from(Notification))
    with pytest.raises(OptOutError, match="cannot be moved"):
        ops.confirm(actor=get("accounts", "reed"), optout=optout)
    db.session.rollback()
    optout = get("optouts", "submitted")
    assert optout.status is OptOutStatus.SUBMITTED
    assert (
        db.session.scalar(select(func.count()).where(Event.optout_id == optout.id)) == events_before
    )
    assert db.session.scalar(select(func.count()).select_from(Notification)) == notes_before


def test_only_the_routed_teacher_acts_on_a_task(get):
    optout = get("optouts", "submitted")  # Mateo, routed to Mr. Patel
    with pytest.raises(OptOutError, match="routed to"):
        ops.acknowledge_task(actor=get("accounts", "johnson"), task=optout.tasks[0])


def test_closing_needs_a_reason_and_ends_the_tasks(get):
    optout = get("optouts", "in_progress")
    with pytest.raises(OptOutError, match="reason"):
        ops.close(actor=get("accounts", "reed"), optout=optout, reason="  ")
    ops.close(actor=get("accounts", "reed"), optout=optout, reason="Khan Academy retired.")
    assert optout.status is OptOutStatus.CLOSED
    assert {t.status for t in optout.tasks} == {TaskStatus.CLOSED}


def test_when_guardians_disagree_the_opt_out_stands_and_both_are_told(get):
    optout = get("optouts", "submitted")  # Maria filed, Luis joined
    ended = ops.withdraw(actor=get("accounts", "maria"), optout=optout)
    db.session.commit()
    assert not ended
    assert optout.status is OptOutStatus.SUBMITTED
    told = [to for kind, to in notified(optout.id) if kind == "optouts/disagreement"]
    assert sorted(told) == ["luis.garcia@demo.consent.example", "maria.garcia@demo.consent.example"]
    # Once the last requester withdraws, it ends.
    assert ops.withdraw(actor=get("accounts", "luis"), optout=optout)
    assert optout.status is OptOutStatus.WITHDRAWN


def test_a_confirmed_opt_out_can_still_be_withdrawn(get):
    optout = get("optouts", "confirmed")
    ops.withdraw(actor=get("accounts", "luis"), optout=optout)  # Luis is Sofia's parent, not on it
    assert optout.status is OptOutStatus.CONFIRMED  # Maria asked for it; it stands
    assert ops.withdraw(actor=get("accounts", "maria"), optout=optout)
    assert optout.status is OptOutStatus.WITHDRAWN


def test_overdue_follows_school_days(get):
    today = clock.today()
    assert is_overdue(get("optouts", "in_progress"), today)  # filed 6 school days ago
    assert not is_overdue(get("optouts", "submitted"), today)
    assert not is_overdue(get("optouts", "confirmed"), today)


def test_demo_has_a_request_in_every_status(get, demo):
    statuses = set(db.session.scalars(select(OptOut.status)))
    assert statuses == set(OptOutStatus)
    assert db.session.scalar(select(func.count()).select_from(Student)) >= 12
    assert db.session.scalar(select(func.count()).select_from(Tool)) >= 6
    assert db.session.scalar(select(func.count()).select_from(Account)) >= 7


def test_a_filing_that_fails_midway_leaves_nothing_behind(app, get, monkeypatch):
    """On SQLite a SAVEPOINT opened outside a transaction used to commit the new row alone."""
    db.session.commit()  # no transaction open, like the start of a request
    before = db.session.scalar(select(func.count()).select_from(OptOut))

    def broken_template(**_):
        raise RuntimeError("template broke")

    monkeypatch.setattr(ops, "notify", broken_template)
    with pytest.raises(RuntimeError):
        file(get, "james", "ava", "zoom")
    db.session.rollback()
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(OptOut)) == before


def test_a_guardian_whose_link_ended_is_told_nothing_more(get, demo):
    optout = get("optouts", "submitted")  # Maria filed, Luis joined
    link = db.session.scalar(
        select(GuardianLink).where(
            GuardianLink.guardian_id == demo.guardians["luis"],
            GuardianLink.student_id == demo.students["mateo"],
        )
    )
    link.active = False
    ops.close(actor=get("accounts", "reed"), optout=optout, reason="Zoom is no longer used.")
    told = [to for kind, to in notified(optout.id) if kind == "optouts/closed"]
    assert told == ["maria.garcia@demo.consent.example"]
