"""Applying a roster: created/updated/deactivated counts, idempotence, all-or-nothing, and
opt-outs that follow the child when the roster changes."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.core import clock
from consent.demo.operations import DANIEL_EMAIL
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import Event, OptOut, OptOutStatus, Task, TaskStatus
from consent.roster.importer.apply import ImportRefused, apply_roster
from consent.roster.importer.records import (
    EnrollmentRecord,
    LinkRecord,
    Mode,
    RosterSet,
    SchoolRecord,
    SectionRecord,
    StaffRecord,
    StudentRecord,
)
from consent.roster.models import Enrollment, GuardianLink, School, Student


def delta(**kinds) -> RosterSet:
    """A delta set touching only the kinds given; every other kind is absent."""
    roster = RosterSet(format="oneroster-1.1")
    for kind in ("schools", "students", "guardians", "staff", "sections", "enrollments", "links"):
        roster.modes[kind] = Mode.DELTA if kind in kinds else Mode.ABSENT
    for kind, records in kinds.items():
        target = getattr(roster, kind)
        for record in records:
            key = (
                (record.guardian_sourced_id, record.student_sourced_id)
                if kind == "links"
                else record.sourced_id
            )
            target[key] = record
    return roster


def sofia(**changes) -> StudentRecord:
    values = dict(
        sourced_id="student-sofia",
        identifier="S100001",
        given_name="Sofia",
        family_name="Garcia",
        grade="4",
        school_sourced_id="school-oakwood",
    )
    values.update(changes)
    return StudentRecord(**values)


def events_of(optout_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Event.kind).where(Event.optout_id == optout_id).order_by(Event.id)
        )
    )


def test_a_small_bulk_district_is_created_then_reimporting_changes_nothing(ctx):
    today = clock.today()
    roster = RosterSet(
        format="oneroster-1.1",
        modes={
            k: Mode.BULK
            for k in (
                "schools",
                "students",
                "guardians",
                "staff",
                "sections",
                "enrollments",
                "links",
            )
        },
    )
    roster.schools["s1"] = SchoolRecord("s1", "Lakeside High School")
    roster.staff["t1"] = StaffRecord("t1", "José", "Núñez", "jose@example.org", "teacher", None)
    roster.staff["p1"] = StaffRecord("p1", "Zoë", "Adams", "zoe@example.org", "principal", "s1")
    roster.students["k1"] = StudentRecord("k1", "900001", "Ana", "Lee", "10", "s1")
    roster.sections["c1"] = SectionRecord("c1", "Biology", "s1", "Fall", ("t1",))
    roster.enrollments["e1"] = EnrollmentRecord("e1", "c1", "k1", today - timedelta(days=5), None)
    first = apply_roster(roster, today=today)
    db.session.commit()
    assert first.counts["schools"].created == 1
    assert first.counts["students"].created == 1
    # Bulk is the whole truth: the demo district's records not in this set become inactive.
    assert first.counts["students"].deactivated == 13
    assert db.session.scalar(select(func.count()).where(Student.active.is_(True))) == 1
    assert db.session.scalar(select(func.count()).select_from(Student)) == 14  # never deleted
    # The demo's open requests were closed because their students left.
    assert first.follow.requests_closed == 6  # with Lucas's, opened by his refusal of Flip
    # Their staff can no longer sign in; the privacy office still can, and so can Daniel: an
    # eligible student's own record is the service's, not the SIS's (his rights outlast leaving).
    active = set(db.session.scalars(select(Account.email).where(Account.active.is_(True))))
    assert active == {"privacy@demo.consent.example", DANIEL_EMAIL}

    again = apply_roster(roster, today=today)
    db.session.commit()
    assert not again.changed
    assert "Nothing changed" in again.lines()[-1]
    assert all(c.changed == 0 for c in again.counts.values())


def test_an_unknown_reference_refuses_the_set_and_writes_nothing(ctx):
    roster = delta(students=[sofia(school_sourced_id="school-nowhere")])
    with pytest.raises(ImportRefused) as refused:
        apply_roster(roster, today=clock.today())
    db.session.rollback()
    assert "school-nowhere" in str(refused.value.problems[0])
    assert db.session.scalar(
        select(Student.school_id).where(Student.sourced_id == "student-sofia")
    ) == (db.session.scalar(select(School.id).where(School.sourced_id == "school-oakwood")))


def test_a_new_teacher_of_the_child_gets_the_request(ctx, demo):
    """Ava (planned Seesaw opt-out, a school-wide tool) joins a new Oakwood art class."""
    today = clock.today()
    roster = delta(
        staff=[
            StaffRecord("staff-rivera", "Luz", "Rivera", "luz.rivera@example.org", "teacher", None)
        ],
        sections=[
            SectionRecord("section-art4", "Art 4", "school-oakwood", "2026-2027", ("staff-rivera",))
        ],
        enrollments=[EnrollmentRecord("e-ava-art", "section-art4", "student-ava", today, None)],
    )
    report = apply_roster(roster, today=today)
    db.session.commit()
    optout = db.session.get(OptOut, demo.optouts["planned"])
    assert report.follow.tasks_added == 1
    teachers = sorted(
        t.teacher.family_name for t in optout.tasks if t.status is not TaskStatus.CLOSED
    )
    assert teachers == ["Johnson", "Kim", "Rivera"]
    # The new teacher must plan too before the principal can confirm.
    assert optout.status is OptOutStatus.IN_PROGRESS
    assert events_of(optout.id)[-2:] == ["teacher_added", "rerouted"]
    assert (
        db.session.scalar(
            select(func.count()).where(
                Notification.optout_id == optout.id,
                Notification.to_address == "luz.rivera@example.org",
            )
        )
        == 1
    )
    # Importing the same delta again changes nothing.
    assert not apply_roster(roster, today=today).changed


def test_a_teacher_who_no_longer_teaches_the_child_loses_the_task(ctx, demo):
    """Sofia leaves Room 12, where Zoom is used; Ms. Johnson still teaches her science."""
    today = clock.today()
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.students["sofia"],
            Enrollment.section_id == demo.sections["room12"],
        )
    )
    enrollment.sourced_id = "e-sofia-room12"
    db.session.commit()
    record = EnrollmentRecord(
        "e-sofia-room12",
        "section-room12",
        "student-sofia",
        enrollment.begin_date,
        None,
        active=False,
    )
    report = apply_roster(delta(enrollments=[record]), today=today)
    db.session.commit()
    assert report.follow.tasks_closed == 1
    optout = db.session.get(OptOut, demo.optouts["confirmed"])  # Sofia, Zoom camera
    assert [t.status for t in optout.tasks] == [TaskStatus.CLOSED]
    assert optout.tasks[0].closed_reason == "student left the section"
    assert events_of(optout.id)[-1] == "teacher_left"
    assert db.session.get(Enrollment, enrollment.id).end_date == today - timedelta(days=1)


def test_a_child_who_moves_school_is_shown_to_the_new_principal(ctx, demo):
    report = apply_roster(
        delta(students=[sofia(school_sourced_id="school-riverside")]), today=clock.today()
    )
    db.session.commit()
    assert report.follow.school_moves == 1  # Sofia's confirmed Zoom opt-out
    optout_id = demo.optouts["confirmed"]
    assert events_of(optout_id)[-1] == "school_changed"
    told = db.session.scalars(
        select(Notification.to_address)
        .where(Notification.optout_id == optout_id)
        .order_by(Notification.id.desc())
        .limit(1)
    ).all()
    assert told == ["thomas.reed@demo.consent.example"]


def test_a_removed_guardian_link_ends_that_guardians_access_at_once(app, ctx, as_, demo):
    maria = as_("maria")
    assert maria.get(f"/students/{demo.students['sofia']}").status_code == 200
    link = LinkRecord("guardian-maria", "student-sofia", "parent", True, active=False)
    apply_roster(delta(links=[link]), today=clock.today())
    db.session.commit()
    assert maria.get(f"/students/{demo.students['sofia']}").status_code == 404
    assert not db.session.scalar(
        select(GuardianLink.active).where(
            GuardianLink.guardian_id == demo.guardians["maria"],
            GuardianLink.student_id == demo.students["sofia"],
        )
    )


def test_a_student_who_left_has_open_requests_closed_with_the_reason(ctx, demo):
    apply_roster(delta(students=[sofia(active=False)]), today=clock.today())
    db.session.commit()
    optout = db.session.get(OptOut, demo.optouts["confirmed"])
    assert optout.status is OptOutStatus.CLOSED
    assert (
        db.session.scalar(
            select(Event.note)
            .where(Event.optout_id == optout.id)
            .order_by(Event.id.desc())
            .limit(1)
        )
        == "The student left the district."
    )
    assert all(t.status is TaskStatus.CLOSED for t in optout.tasks)
    assert db.session.scalar(select(func.count()).select_from(Task)) > 0  # history kept


def test_a_dropped_enrollment_without_dates_ends_yesterday_and_keeps_its_start(ctx, demo):
    today = clock.today()
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.students["sofia"],
            Enrollment.section_id == demo.sections["room12"],
        )
    )
    enrollment.sourced_id = "e-sofia-room12"
    began = enrollment.begin_date
    db.session.commit()
    record = EnrollmentRecord(
        "e-sofia-room12", "section-room12", "student-sofia", None, None, active=False
    )
    report = apply_roster(delta(enrollments=[record]), today=today)
    db.session.commit()
    enrollment = db.session.get(Enrollment, enrollment.id)
    assert (enrollment.begin_date, enrollment.end_date) == (began, today - timedelta(days=1))
    assert report.follow.tasks_closed == 1


def test_an_enrollment_that_never_began_is_removed_when_dropped(ctx, demo):
    today = clock.today()
    starts = today + timedelta(days=7)
    record = EnrollmentRecord("e-future", "section-room15", "student-sofia", starts, None)
    apply_roster(delta(enrollments=[record]), today=today)
    db.session.commit()
    record.active = False
    apply_roster(delta(enrollments=[record]), today=today)
    db.session.commit()
    assert db.session.scalar(select(Enrollment).where(Enrollment.sourced_id == "e-future")) is None


def test_id_lists_are_sent_in_slices_small_enough_for_postgresql():
    """PostgreSQL refuses a statement with more than 65,535 parameters; a school year's bulk
    set can deactivate more rows than that at once."""
    from consent.db import chunks

    slices = list(chunks(range(70_001)))
    assert max(len(s) for s in slices) <= 5000
    assert sum(slices, []) == list(range(70_001))


def test_an_enrollment_sent_under_a_new_id_is_rekeyed_not_duplicated(ctx, demo):
    """SIS exports that regenerate enrollment ids send the same enrollment under a new one."""
    enrollment = db.session.scalar(
        select(Enrollment).where(
            Enrollment.student_id == demo.students["sofia"],
            Enrollment.section_id == demo.sections["room12"],
        )
    )
    began, enrollment_id = enrollment.begin_date, enrollment.id
    record = EnrollmentRecord("e-regenerated", "section-room12", "student-sofia", began, None)
    report = apply_roster(delta(enrollments=[record]), today=clock.today())
    db.session.commit()
    assert db.session.get(Enrollment, enrollment_id).sourced_id == "e-regenerated"
    assert report.counts["enrollments"].created == 0
