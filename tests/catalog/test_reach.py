"""Which tools reach which student: one rule, the same on the child's page, in routing, on the
teacher's class list and in the reports (consent.catalog.reach).

Each test here shows a place where the copies of the rule used to disagree."""

import re
from datetime import date, timedelta

from sqlalchemy import select, true

from consent.accounts.models import Account
from consent.catalog.models import Tool, ToolUse, UseScope
from consent.catalog.queries import current_sections, tools_for_student
from consent.catalog.reach import reach, reaches
from consent.core import clock
from consent.extensions import db
from consent.optouts import operations as ops
from consent.optouts.models import OptOut, TaskStatus
from consent.optouts.queries import section_optouts
from consent.reports.queries import TABLES, ReportScope, rows_of
from consent.roster.models import Enrollment, School, Section, Student
from tests import factories


def test_a_child_who_left_the_district_uses_no_tool(ctx, demo, as_):
    """The page used to list the district's tools for a child the roster marked as left,
    while the notices to families about a tool (rightly) skipped that child."""
    sofia = db.session.get(Student, demo.students["sofia"])
    assert tools_for_student(sofia, current_sections(sofia.id, clock.today()), clock.today())
    sofia.active = False
    db.session.commit()

    assert tools_for_student(sofia, [], clock.today()) == []
    page = as_("maria").get(f"/students/{sofia.id}").get_data(as_text=True)
    assert "No online tools are in use for this child right now." in page
    assert "Opt out of Google Classroom" not in page


def test_a_school_wide_tool_reaches_the_class_list_of_every_teacher_it_is_routed_to(ctx, demo):
    """Mateo (Riverside, where Khan Academy is used school-wide) also takes a class at Oakwood.
    Routing gives Mr Kim a task for Mateo's Khan Academy opt-out, as it does every teacher of
    the child; Mr Kim's class list used to leave it out, because Khan Academy is not used at
    Oakwood."""
    today = clock.today()
    mateo = demo.students["mateo"]
    room15 = db.session.get(Section, demo.sections["room15"])
    db.session.add(Enrollment(student_id=mateo, section=room15, begin_date=today))
    db.session.flush()
    ops.follow_roster(today=today)
    optout = db.session.scalar(
        select(OptOut).where(OptOut.student_id == mateo, OptOut.tool_id == demo.tools["khan"])
    )
    kim = demo.staff["kim"]
    assert any(t.teacher_id == kim and t.status is not TaskStatus.CLOSED for t in optout.tasks)

    assert optout in section_optouts(room15, today=today)


def test_a_school_wide_tool_at_the_classs_school_does_not_reach_a_visitor(ctx, demo):
    """Seesaw is used across Oakwood, not at Riverside: Mateo, visiting an Oakwood class,
    does not use it, so his Seesaw request (if one existed) is not on that class's list."""
    today = clock.today()
    room15 = db.session.get(Section, demo.sections["room15"])
    mateo = db.session.get(Student, demo.students["mateo"])
    db.session.add(Enrollment(student=mateo, section=room15, begin_date=today))
    db.session.flush()
    names = {u.tool.name for u in tools_for_student(mateo, [room15], today)}
    assert "Seesaw" not in names and "Khan Academy" in names
    assert not ops.routed_teachers(mateo, demo.tools["seesaw"], today)


def _optout_rate(school: School | None) -> dict[str, list[str]]:
    table = TABLES["optout-rate"]
    return {
        row[0]: row
        for row in (
            table.cells(r) for r in rows_of(table, ReportScope(school, factories.LINCOLN_TODAY))
        )
    }


def test_the_opt_out_rate_counts_each_student_the_tool_reaches_once(ctx):
    """A Lincoln student who also takes a class at another school that uses Alpha there was
    counted twice (once for Lincoln's school-wide use, once for the class); a student who left
    the district but whose enrollment was still open was counted as using Beta."""
    lincoln = factories.lincoln()
    students = {key: db.session.get(Student, sid) for key, sid in lincoln.students.items()}
    room1 = db.session.scalar(select(Section).where(Section.title == "Lincoln Room 1"))
    db.session.add(
        Enrollment(student=students["s7"], section=room1, begin_date=factories.YEAR_START)
    )
    other = School(sourced_id="school-other", name="Other Report School")
    visitor_class = Section(sourced_id="section-other", title="Other Room", school=other, term="x")
    local = Student(
        sourced_id="student-other",
        district_identifier="O000001",
        given_name="Otto",
        family_name="Pupil",
        grade="3",
        school=other,
    )
    alpha = db.session.scalar(select(Tool).where(Tool.name == "Alpha"))
    db.session.add_all(
        [
            Enrollment(
                student=students["s1"], section=visitor_class, begin_date=factories.YEAR_START
            ),
            Enrollment(student=local, section=visitor_class, begin_date=factories.YEAR_START),
            ToolUse(
                tool=alpha,
                scope=UseScope.SECTION,
                section=visitor_class,
                starts_on=factories.YEAR_START,
            ),
        ]
    )
    db.session.flush()

    at_lincoln = _optout_rate(db.session.get(School, lincoln.school_id))
    assert at_lincoln["Beta"][1:] == ["3", "3", "100.0"]
    assert at_lincoln["Alpha"][1:] == ["6", "4", "66.7"]
    assert _optout_rate(None)["Alpha"][1:] == ["7", "4", "57.1"]
    assert _optout_rate(other)["Alpha"][1:] == ["1", "0", "0.0"]


def test_the_rows_and_the_condition_agree_on_every_student_and_tool(ctx, demo):
    """`reach` (rows for many students) and `reaches` (a condition on one row) are the same
    rule: checked on the demo district, Lincoln, a visitor, a left student and ended uses."""
    factories.lincoln()
    today = clock.today()
    mateo = db.session.get(Student, demo.students["mateo"])
    db.session.add(
        Enrollment(
            student=mateo,
            section=db.session.get(Section, demo.sections["room15"]),
            begin_date=today,
        )
    )
    db.session.get(Student, demo.students["liam"]).active = False
    db.session.add(
        ToolUse(
            tool_id=demo.tools["flip"],
            scope=UseScope.DISTRICT,
            starts_on=today - timedelta(days=30),
            ends_on=today - timedelta(days=1),
        )
    )
    db.session.flush()
    for day in (today, factories.LINCOLN_TODAY, date(2026, 10, 1)):
        rows = reach(day).subquery()
        as_rows = set(db.session.execute(select(rows.c.student_id, rows.c.tool_id)).all())
        as_condition = set(
            db.session.execute(
                select(Student.id, Tool.id)
                .join(Tool, true())  # every pair, filtered by the condition
                .where(reaches(day, student_id=Student.id, tool_id=Tool.id))
            ).all()
        )
        assert as_rows == as_condition
        assert as_rows  # the check compares something


def test_routing_and_follow_the_child_name_the_same_teachers(ctx, demo):
    """Filing routes to `routed_teachers`; the roster's follow-up must find nothing to change."""
    today = clock.today()
    filing = ops.file_optout(
        actor=db.session.get(Account, demo.accounts["maria"]),
        student=db.session.get(Student, demo.students["sofia"]),
        tool=db.session.get(Tool, demo.tools["nearpod"]),
        feature="",
        accommodation="Answer on paper",
    )
    assert sorted(t.teacher.family_name for t in filing.optout.tasks) == ["Johnson", "Kim"]
    report = ops.follow_roster(today=today)
    assert report.rerouted == 0


def _still_in_use(browser, student_id: int) -> set[str]:
    """The tools the data-sharing page shows as "(still in use)"."""
    page = browser.get(f"/students/{student_id}/data-sharing").get_data(as_text=True)
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    return {
        re.search(r'href="/tools/\d+">([^<]+)</a>', row).group(1)
        for row in rows
        if "(still in use)" in row
    }


def test_who_has_my_childs_data_says_still_in_use_for_the_tools_on_the_childs_page(ctx, demo, as_):
    """Between two terms (her classes ended yesterday) Sofia still attends Oakwood, where Seesaw
    is used school-wide: her page lists it, and "who has my child's data" used to say its use
    had ended. Once she leaves the district, no tool is still in use for her."""
    maria = as_("maria")
    today = clock.today()
    sofia = db.session.get(Student, demo.students["sofia"])
    for enrollment in db.session.scalars(
        select(Enrollment).where(Enrollment.student_id == sofia.id)
    ):
        enrollment.end_date = today - timedelta(days=1)
    db.session.commit()
    on_page = {u.tool.name for u in tools_for_student(sofia, [], today)}
    db.session.commit()
    assert on_page == {"Google Classroom", "Seesaw"}
    assert _still_in_use(maria, sofia.id) == on_page

    sofia.active = False
    db.session.commit()
    assert _still_in_use(maria, sofia.id) == set()
