"""The report statements written for speed give the figures of the plain definitions: the
opt-out rate against `consent.catalog.reach`, the students with no answer against their own
count, and a form's scope written as lists against `consent.consentforms.scope.in_scope`, on a
small district (the demo's, plus Lincoln and the awkward cases below); and the district's home
languages, kept on each student, against `consent.consentforms.queries.home_language`."""

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import and_, func, select

from consent.catalog.models import Tool, ToolUse, UseScope
from consent.catalog.reach import reach
from consent.consentforms import queries as consentform_queries
from consent.consentforms.models import (
    Answer,
    ConsentAnswer,
    ConsentForm,
    ConsentFormGrade,
    ConsentFormSchool,
    FormKind,
    FormMode,
    FormStatus,
)
from consent.consentforms.scope import in_scope, in_scope_listed
from consent.core import clock
from consent.extensions import db
from consent.optouts.models import ACTIVE_STATUSES, OptOut, OptOutStatus
from consent.records.models import LinkRestriction, RestrictionScope
from consent.reports.queries import (
    TABLES,
    ReportScope,
    non_responder_count,
    non_responders_in,
    rows_of,
)
from consent.roster.models import GuardianLink, School, Student
from tests import factories
from tests.reports.test_consent_forms import build_form


@pytest.fixture
def awkward(ctx):
    """Lincoln, and the cases a per-class count gets wrong: a child in two classes that use the
    same tool; a tool used in a class and school-wide at one child's school but not at a
    classmate's (enrolled in a class of another school); a district-wide tool also used in a
    class; a child who left, still enrolled; two requests in effect for two features of one
    tool; a use that ended; a request withdrawn."""
    factories.lincoln()
    north, south = factories.school(name="North"), factories.school(name="South")
    room_a, room_b = factories.section(school=north), factories.section(school=north)
    room_c = factories.section(school=south)
    twice = factories.student(school=north, sections=[room_a, room_b])
    visitor = factories.student(school=south, sections=[room_a, room_c])
    local = factories.student(school=north, sections=[room_b])
    left = factories.student(school=north, sections=[room_a], active=False)
    ended = factories.student(school=south, sections=[room_c])

    gamma = factories.tool(name="Gamma", features={"chat": "Chat with the class"})
    delta = factories.tool(name="Delta")
    district = factories.tool(name="Everywhere")
    old = factories.tool(name="Old")
    for room in (room_a, room_b):
        factories.tool_use(gamma, section=room)
    factories.tool_use(gamma, school=south)
    factories.tool_use(delta, section=room_c)
    factories.tool_use(delta, school=north)
    factories.tool_use(district)
    factories.tool_use(district, section=room_a)
    past = clock.today() - timedelta(days=30)
    db.session.add(  # ended a month ago (the operations no longer declare such a use)
        ToolUse(
            tool=old,
            scope=UseScope.SECTION,
            section=room_c,
            starts_on=past - timedelta(days=30),
            ends_on=past,
        )
    )
    db.session.flush()

    factories.optout(twice, gamma)
    factories.optout(twice, gamma, feature="chat", status=OptOutStatus.SUBMITTED)
    factories.optout(visitor, gamma)  # reached school-wide at South and in room A
    factories.optout(local, gamma, status=OptOutStatus.WITHDRAWN)
    factories.optout(left, gamma)  # left the district: not a user
    factories.optout(local, delta)  # North uses Delta school-wide
    factories.optout(ended, old)  # the use ended: not reached
    factories.optout(visitor, district)
    factories.optout(left, district)
    db.session.flush()
    return {"north": north, "south": south}


def _plain_rates(school_id: int | None) -> dict[str, tuple[int, int]]:
    """Per tool name: the students `reach` gives, and those of them with a request in effect."""
    reached = db.session.execute(reach(clock.today())).all()
    users = defaultdict(set)
    for row in reached:
        if school_id is None or row.school_id == school_id:
            users[row.tool_id].add(row.student_id)
    in_effect = set(
        db.session.execute(
            select(OptOut.tool_id, OptOut.student_id).where(OptOut.status.in_(ACTIVE_STATUSES))
        ).all()
    )
    names = dict(db.session.execute(select(Tool.id, Tool.name)).all())
    return {
        names[tool_id]: (len(students), len({s for s in students if (tool_id, s) in in_effect}))
        for tool_id, students in users.items()
    }


def _report_rates(school: School | None) -> dict[str, tuple[int, int]]:
    rows = rows_of(TABLES["optout-rate"], ReportScope(school=school, today=clock.today()))
    return {row.name: (int(row.users), int(row.opted_out)) for row in rows}


def test_the_opt_out_rate_counts_what_reach_gives_for_the_district(awkward):
    plain = _plain_rates(None)
    # Gamma: twice (once), visitor (once), local, and ended school-wide at South; left is
    # not active. Delta: visitor and ended in room C, twice and local school-wide at North.
    assert plain["Gamma"] == (4, 2)
    assert plain["Delta"] == (4, 1)
    assert "Old" not in plain
    assert _report_rates(None) == plain


@pytest.mark.parametrize("name", ["north", "south"])
def test_the_opt_out_rate_counts_what_reach_gives_for_one_school(awkward, name):
    school = awkward[name]
    assert _report_rates(school) == _plain_rates(school.id)


def test_the_opt_out_rate_counts_what_reach_gives_at_every_demo_school(awkward):
    for school in db.session.scalars(select(School)):
        assert _report_rates(school) == _plain_rates(school.id), school.name


@pytest.fixture
def awkward_days(awkward):
    """The awkward cases, and those of days and moves the stored class reach must get right: a
    class use starting tomorrow; one ending today; an enrollment that ended yesterday and one
    that begins tomorrow; a child who moved, after the rows were written, to a school that uses
    the tool school-wide; each with a request in effect."""
    north, south = awkward["north"], awkward["south"]
    today = clock.today()
    tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
    room_d, room_e = factories.section(school=north), factories.section(school=south)
    gamma = db.session.scalar(select(Tool).where(Tool.name == "Gamma"))
    later, edges = factories.tool(name="Later"), factories.tool(name="Edges")
    factories.tool_use(gamma, section=room_d)
    factories.tool_use(later, section=room_d, starts_on=tomorrow)
    factories.tool_use(edges, section=room_e, starts_on=today - timedelta(days=5), ends_on=today)
    stays = factories.student(school=north, sections=[room_d, room_e])
    gone, soon, mover = (factories.student(school=north) for _ in range(3))
    factories.enroll(gone, room_d, begin=today - timedelta(days=20), end=yesterday)
    factories.enroll(gone, room_e, begin=today - timedelta(days=20), end=yesterday)
    factories.enroll(soon, room_d, begin=tomorrow)
    factories.enroll(mover, room_d)
    db.session.flush()
    mover.school = south  # South uses Gamma school-wide: counted there, once
    for pupil, tool in ((stays, later), (gone, gamma), (soon, gamma), (mover, gamma)):
        factories.optout(pupil, tool)
    factories.optout(stays, edges)
    factories.optout(gone, edges)
    db.session.flush()
    return {**awkward, "tools": {"gamma": gamma, "later": later, "edges": edges}}


def test_the_opt_out_rate_follows_days_and_moves_as_reach_does(awkward_days):
    plain = _plain_rates(None)
    assert "Later" not in plain  # from tomorrow
    assert plain["Edges"] == (1, 1)  # stays, on the use's last day; gone left yesterday
    # Gamma: the four of before, stays (room D), mover (school-wide at South now, opted out).
    assert plain["Gamma"] == (6, 3)
    assert _report_rates(None) == plain
    for school in db.session.scalars(select(School)):
        assert _report_rates(school) == _plain_rates(school.id), school.name


@pytest.mark.parametrize("offset", [-1, 1, 2])
def test_the_opt_out_rate_counts_what_reach_gives_on_other_days(awkward_days, offset):
    """The stored rows keep their dates: another day needs no rewriting."""
    db.session.commit()
    clock.freeze(clock.moment_on(clock.today() + timedelta(days=offset)))
    plain = _plain_rates(None)
    assert ("Later" in plain) is (offset > 0)
    assert ("Edges" in plain) is (offset < 1)
    assert _report_rates(None) == plain
    for school in db.session.scalars(select(School)):
        assert _report_rates(school) == _plain_rates(school.id), school.name


def test_students_with_no_answer_are_those_in_scope_less_those_answered(app):
    form_id = build_form(app)["form"]
    with app.app_context():
        for school in [None, *db.session.scalars(select(School))]:
            scope = ReportScope(school=school, today=clock.today(), form_id=form_id)
            by_school = rows_of(TABLES["coverage-by-school"], scope)
            assert non_responders_in(by_school) == db.session.scalar(non_responder_count(scope))
        db.session.remove()


@pytest.mark.parametrize(
    ("with_schools", "with_grades"), [(False, False), (True, False), (False, True), (True, True)]
)
def test_a_forms_listed_scope_keeps_the_students_in_scope_keeps(ctx, with_schools, with_grades):
    factories.lincoln()
    form = ConsentForm(
        school_year="2026-2027",
        kind=FormKind.MEDIA_RELEASE,
        mode=FormMode.OPT_OUT,
        title="Scoped form",
        opens_on=clock.today(),
        closes_on=clock.today() + timedelta(days=30),
        status=FormStatus.PUBLISHED,
        published_at=clock.now(),
    )
    db.session.add(form)
    db.session.flush()
    school_ids = db.session.scalars(select(School.id).order_by(School.id)).all()
    if with_schools:
        db.session.add_all(ConsentFormSchool(form_id=form.id, school_id=i) for i in school_ids[:2])
    if with_grades:
        db.session.add_all(ConsentFormGrade(form_id=form.id, grade=g) for g in ("K", "3", "4"))
    db.session.flush()

    def kept(condition) -> set[int]:
        return set(db.session.scalars(select(Student.id).where(condition)))

    expected = kept(in_scope(form.id))
    assert expected  # the demo and Lincoln have students in every one of these scopes
    assert kept(in_scope_listed(form.id)) == expected
    if with_schools or with_grades:
        assert expected != kept(Student.active.is_(True))


def _plain_languages(form_id: int, school_id: int | None) -> dict[str, tuple[int, ...]]:
    """Per home language, from the definition, `home_language()`, looked up student by student
    (the reports read the language kept on the student)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    query = (
        select(
            func.coalesce(consentform_queries.home_language(), ""),
            ConsentAnswer.answer,
        )
        .select_from(Student)
        .outerjoin(
            ConsentAnswer,
            and_(ConsentAnswer.student_id == Student.id, ConsentAnswer.form_id == form_id),
        )
        .where(in_scope(form_id))
    )
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    for language, answer in db.session.execute(query):
        row = counts[language]
        row[0] += 1
        row[1] += answer is not None
        row[2] += answer is Answer.GRANTED
        row[3] += answer is Answer.REFUSED
    return {language: tuple(row) for language, row in counts.items()}


def _report_languages(scope: ReportScope) -> dict[str, tuple[int, ...]]:
    rows = rows_of(TABLES["coverage-by-language"], scope)
    return {
        row.language: (int(row.in_scope), int(row.answered), int(row.granted), int(row.refused))
        for row in rows
    }


def test_coverage_by_language_gives_each_student_the_language_home_language_gives(app):
    """The district's languages come from the language kept on each student
    (consent.roster.home_language): the same as the first rights holder's language looked up
    per student, where that first holder is not the first link, is cut by a court order, is
    off the roster, or is the eligible student's own record, and where there is none."""
    form_id = build_form(app)["form"]
    with app.app_context():
        school = factories.school(name="Languages")
        first_wins = factories.student(school=school)
        factories.guardian(children=[first_wins], preferred_language="vi")
        factories.guardian(children=[first_wins], preferred_language="ko")
        ordered = factories.student(school=school)
        cut = factories.guardian(children=[ordered], preferred_language="zh")
        factories.guardian(children=[ordered], preferred_language="fr")
        off_roster = factories.student(school=school)
        gone = factories.guardian(preferred_language="ar")
        factories.link(gone, off_roster, active=False)
        factories.guardian(children=[off_roster], preferred_language="es")
        eligible = factories.student(school=school, eligible_on=clock.today())
        factories.guardian(children=[eligible], preferred_language="ko")
        own = factories.guardian(student_id=eligible.id, preferred_language="fr")
        factories.link(own, eligible)
        factories.student(school=school)  # no guardian at all: no language
        db.session.flush()
        link = db.session.scalar(
            select(GuardianLink).where(
                GuardianLink.guardian_id == cut.id, GuardianLink.student_id == ordered.id
            )
        )
        db.session.add(
            LinkRestriction(
                guardian_link_id=link.id,
                student_id=ordered.id,
                reference="Order 1",
                ordered_on=clock.today(),
                removes=RestrictionScope.DECISIONS,
                recorded_by_account_id=factories.privacy_office().id,
            )
        )
        db.session.flush()

        plain = _plain_languages(form_id, school.id)
        assert plain == {
            "": (1, 0, 0, 0),
            "vi": (1, 0, 0, 0),
            "fr": (2, 0, 0, 0),
            "es": (1, 0, 0, 0),
        }
        for where in [None, *db.session.scalars(select(School))]:
            scope = ReportScope(school=where, today=clock.today(), form_id=form_id)
            expected = _plain_languages(form_id, where.id if where else None)
            assert _report_languages(scope) == expected, where.name if where else "district"
        db.session.rollback()
        db.session.remove()
