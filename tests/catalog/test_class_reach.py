"""`class_reach` stays equal to its definition, the section part of `consent.catalog.reach`,
after every kind of change: through the ORM (its flush hook), through the roster import's bulk
writes, and as the days pass (the rows keep date ranges, so nothing is rewritten).

"Equal" is checked two ways each time: the (tool, student, school) the table gives for a day
against `reach_parts(day)[2]`, and every stored row against `class_reach_ranges`
(`class_reach.differences`, what `flask reports check-reach` runs)."""

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, insert, or_, select, update

from consent.catalog import class_reach
from consent.catalog.models import ClassReach, ToolUse, UseScope
from consent.catalog.reach import reach_parts
from consent.core import clock
from consent.extensions import db
from consent.roster.models import Enrollment, School, Section, Student
from consent.roster.operations import import_roster
from tests import factories
from tests.importing.test_follow_the_child import dated_copy

Pairs = set[tuple[int, int, int]]


def stored(day) -> Pairs:
    """(tool, student, school) the table gives for `day`."""
    return set(
        db.session.execute(
            select(ClassReach.tool_id, ClassReach.student_id, ClassReach.school_id).where(
                ClassReach.starts_on <= day,
                or_(ClassReach.ends_on.is_(None), ClassReach.ends_on >= day),
            )
        ).all()
    )


def defined(day) -> Pairs:
    """(tool, student, school) of the definition's section part on `day`."""
    part = reach_parts(day)[2].subquery("in_class")
    return set(db.session.execute(select(part.c.tool_id, part.c.student_id, part.c.school_id)))


def assert_matches(day=None) -> Pairs:
    """The table agrees with the definition on `day` (today by default), row for row too."""
    db.session.flush()
    day = day or clock.today()
    pairs = defined(day)
    assert stored(day) == pairs
    assert class_reach.differences() == (0, 0, [], [])
    return pairs


def all_rows() -> list:
    return db.session.execute(select(ClassReach).order_by("use_id", "enrollment_id")).all()


BEGAN = timedelta(days=10)


@pytest.fixture
def room(ctx, demo):
    """A class at Oakwood with Sofia and Ava in it, and a tool used there, all since ten days
    ago."""
    since = clock.today() - BEGAN
    oakwood = db.session.get(School, demo.schools["oakwood"])
    room = factories.section(school=oakwood)
    sofia = db.session.get(Student, demo.students["sofia"])
    ava = db.session.get(Student, demo.students["ava"])
    factories.enroll(sofia, room, begin=since)
    factories.enroll(ava, room, begin=since)
    tool = factories.tool(name="Padlet")
    use = factories.tool_use(tool, section=room, starts_on=since)
    db.session.flush()
    return {"room": room, "sofia": sofia, "ava": ava, "tool": tool, "use": use}


def test_the_demo_as_loaded_has_its_class_uses_stored(ctx, demo):
    pairs = assert_matches()
    # Google Classroom in Room 12 and Math 7; two science tools; one in English 7.
    assert (demo.tools["flip"], demo.students["mateo"], demo.schools["riverside"]) in pairs
    assert len(pairs) >= 15


def test_a_class_use_added_ended_and_deleted(room):
    tool, sofia = room["tool"], room["sofia"]
    pairs = assert_matches()
    assert (tool.id, sofia.id, sofia.school_id) in pairs

    room["use"].ends_on = clock.today() - timedelta(days=1)
    pairs = assert_matches()
    assert not any(p[0] == tool.id for p in pairs)

    room["use"].ends_on = None
    assert (tool.id, sofia.id, sofia.school_id) in assert_matches()

    db.session.delete(room["use"])
    pairs = assert_matches()
    assert not any(p[0] == tool.id for p in pairs)
    assert (
        db.session.scalar(
            select(func.count()).select_from(ClassReach).where(ClassReach.tool_id == tool.id)
        )
        == 0
    )


def test_a_use_moved_to_another_class_or_made_school_wide(room, demo):
    tool, use, sofia = room["tool"], room["use"], room["sofia"]
    use.section_id = demo.sections["math7"]
    pairs = assert_matches()
    assert (tool.id, demo.students["mateo"], demo.schools["riverside"]) in pairs
    assert (tool.id, sofia.id, sofia.school_id) not in pairs

    use.scope, use.section_id, use.school_id = UseScope.SCHOOL, None, sofia.school_id
    assert not any(p[0] == tool.id for p in assert_matches())


def test_an_enrollment_added_ended_and_removed(room, demo):
    tool = room["tool"]
    mateo = db.session.get(Student, demo.students["mateo"])
    joined = factories.enroll(mateo, room["room"], begin=clock.today() - BEGAN)
    assert (tool.id, mateo.id, mateo.school_id) in assert_matches()

    joined.end_date = clock.today() - timedelta(days=1)
    assert (tool.id, mateo.id, mateo.school_id) not in assert_matches()

    joined.end_date = None
    assert (tool.id, mateo.id, mateo.school_id) in assert_matches()

    db.session.delete(joined)
    assert (tool.id, mateo.id, mateo.school_id) not in assert_matches()


def test_a_student_deactivated_reactivated_and_moved(room, demo):
    tool, ava = room["tool"], room["ava"]
    ava.active = False
    pairs = assert_matches()
    assert not any(p[1] == ava.id for p in pairs)

    ava.active = True
    assert (tool.id, ava.id, ava.school_id) in assert_matches()

    riverside = demo.schools["riverside"]
    ava.school_id = riverside
    pairs = assert_matches()
    # Still in the class, now counted at her new school.
    assert (tool.id, ava.id, riverside) in pairs
    assert (tool.id, ava.id, demo.schools["oakwood"]) not in pairs


def test_other_changes_to_a_student_leave_the_rows_alone(room):
    before = all_rows()
    room["ava"].given_name = "Avery"
    db.session.flush()
    assert all_rows() == before
    assert_matches()


def test_bulk_deletes_take_their_rows_with_them(room, demo):
    """A DELETE statement bypasses the ORM: the foreign keys cascade."""
    db.session.execute(delete(ToolUse).where(ToolUse.id == room["use"].id))
    db.session.execute(
        delete(Enrollment)
        .where(Enrollment.section_id == demo.sections["math7"])
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    pairs = assert_matches()
    assert not any(p[0] == room["tool"].id for p in pairs)


def test_orm_bulk_updates_and_inserts_are_followed(room, demo):
    """An UPDATE or INSERT statement through the session bypasses the flush: a script's ended
    use, deactivated student or added enrollments are followed all the same."""
    today = clock.today()
    db.session.execute(
        update(ToolUse).where(ToolUse.id == room["use"].id).values(ends_on=today - timedelta(1))
    )
    assert not any(p[0] == room["tool"].id for p in assert_matches())
    db.session.execute(update(ToolUse).where(ToolUse.id == room["use"].id).values(ends_on=None))
    db.session.execute(update(Student).where(Student.id == room["ava"].id).values(active=False))
    pairs = assert_matches()
    assert (room["tool"].id, room["sofia"].id, room["sofia"].school_id) in pairs
    assert not any(p[1] == room["ava"].id for p in pairs)
    noah = db.session.get(Student, demo.students["noah"])
    db.session.execute(
        insert(Enrollment),
        [{"student_id": noah.id, "section_id": room["room"].id, "begin_date": today}],
    )
    assert (room["tool"].id, noah.id, noah.school_id) in assert_matches()


def test_the_days_pass_without_the_table_being_rewritten(room, demo):
    """A use starting tomorrow, an enrollment ending yesterday, one starting tomorrow: the
    clock moves, the rows stay, and each day the table gives what the definition gives."""
    today = clock.today()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    later = factories.tool(name="Later")
    factories.tool_use(later, section=room["room"], starts_on=tomorrow)
    mateo = db.session.get(Student, demo.students["mateo"])
    olivia = db.session.get(Student, demo.students["olivia"])
    factories.enroll(mateo, room["room"], begin=today - BEGAN, end=yesterday)
    factories.enroll(olivia, room["room"], begin=tomorrow)
    tool = room["tool"]
    db.session.commit()
    rows = all_rows()

    seen = {}
    for offset in (-11, -3, -1, 0, 1, 2):
        day = today + timedelta(days=offset)
        clock.freeze(clock.moment_on(day))
        seen[offset] = assert_matches(clock.today())
        assert all_rows() == rows
    clock.reset()

    assert (tool.id, mateo.id, mateo.school_id) in seen[-1]
    assert (tool.id, mateo.id, mateo.school_id) not in seen[0]
    assert (tool.id, olivia.id, olivia.school_id) not in seen[0]
    assert (tool.id, olivia.id, olivia.school_id) in seen[1]
    assert not any(p[0] == later.id for p in seen[0])
    assert (later.id, room["sofia"].id, room["sofia"].school_id) in seen[1]
    # Before the use began (and the enrollments) the class had no tool.
    assert not any(p[0] in (tool.id, later.id) for p in seen[-11])


def test_a_roster_import_adds_and_ends_enrollments_and_deactivates_a_student(ctx, tmp_path):
    """The import writes with COPY, executemany and UPDATE ... FROM, never through the ORM:
    it rewrites the table itself. The delta ends Zoë's Science 5, adds Émile to it from a day
    next month, and takes Amara (Math 7) out of the district."""
    today = clock.today()
    first = import_roster(dated_copy("oneroster-1.1-guardians", tmp_path / "a", today), today=today)
    assert not first.problems, first.problems
    db.session.commit()
    section = {
        s.sourced_id: s
        for s in db.session.scalars(select(Section).where(Section.sourced_id.in_(["c2", "c3"])))
    }
    pupil = {
        s.sourced_id: s
        for s in db.session.scalars(select(Student).where(Student.sourced_id.in_(["stu2", "stu3"])))
    }
    tool = factories.tool(name="Labster")
    factories.tool_use(tool, section=section["c3"])
    factories.tool_use(tool, section=section["c2"])
    db.session.commit()
    pairs = assert_matches()
    assert (tool.id, pupil["stu2"].id, pupil["stu2"].school_id) in pairs
    assert (tool.id, pupil["stu3"].id, pupil["stu3"].school_id) in pairs

    after = import_roster(dated_copy("oneroster-1.1-delta", tmp_path / "b", today), today=today)
    assert not after.problems, after.problems
    db.session.commit()
    pairs = assert_matches()
    assert (tool.id, pupil["stu2"].id, pupil["stu2"].school_id) not in pairs  # ended
    assert not any(p[1] == pupil["stu3"].id for p in pairs)  # left the district
    émile = db.session.scalar(select(Student).where(Student.sourced_id == "stu5"))
    assert (tool.id, émile.id, émile.school_id) not in pairs  # from next month
    assert (tool.id, émile.id, émile.school_id) in assert_matches(today + timedelta(days=31))


def test_check_reach_fails_on_a_row_removed_by_hand_and_passes_after_rebuild(app, demo):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "check-reach"])
    assert result.exit_code == 0, result.output
    assert "matches its definition" in result.output

    with app.app_context():
        gone = db.session.execute(
            select(ClassReach.use_id, ClassReach.enrollment_id).order_by("use_id").limit(1)
        ).one()
        db.session.execute(
            delete(ClassReach).where(
                ClassReach.use_id == gone.use_id, ClassReach.enrollment_id == gone.enrollment_id
            )
        )
        db.session.commit()
        db.session.remove()
    result = runner.invoke(args=["reports", "check-reach"])
    assert result.exit_code == 1
    assert "1 rows missing, 0 rows not in the definition" in result.output
    assert f"missing: use {gone.use_id}, enrollment {gone.enrollment_id}" in result.output

    result = runner.invoke(args=["reports", "rebuild-reach"])
    assert result.exit_code == 0, result.output
    assert "0 rows removed, 1 added" in result.output
    result = runner.invoke(args=["reports", "check-reach"])
    assert result.exit_code == 0, result.output


def test_check_reach_names_a_row_the_definition_does_not_have(app, demo):
    with app.app_context():
        row = db.session.scalars(select(ClassReach).limit(1)).one()
        row.school_id = demo.schools["hillcrest"]
        db.session.commit()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["reports", "check-reach"])
    assert result.exit_code == 1
    assert "1 rows missing, 1 rows not in the definition" in result.output
    assert f"school {demo.schools['hillcrest']}" in result.output
