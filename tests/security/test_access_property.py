"""The access rule, checked against a plain oracle on 1,000 generated rosters (Hypothesis).

The probe matrix (tests/access) proves the rule on the demo district; this proves the SQL scopes
in consent/access/policy.py equal the rule as PRODUCT.md states it, on rosters nobody wrote by
hand: guardians see the children they are actively linked to (and file only with FERPA rights),
teachers the students currently enrolled in sections they teach, principals their school's
students, the privacy office everyone.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import literal, select, union_all

from consent.access.policy import can_file_for, visible_sections, visible_student_ids
from consent.accounts.models import Account
from consent.extensions import db
from consent.roster.models import Section, StaffRole
from tests import factories
from tests.support import PROBE_COUNTS

TODAY = date(2026, 11, 23)


@dataclass
class Roster:
    schools: int
    students: list[int]  # school index of each student
    links: list[tuple[int, int, bool, bool]]  # guardian, student, has_rights, active
    guardians: int
    staff: list[tuple[str, int]]  # role, school index
    sections: list[tuple[int, frozenset[int]]]  # school index, teaching staff indexes
    enrollments: list[tuple[int, int, int, int | None]]  # student, section, begin, end (days)


@st.composite
def rosters(draw) -> Roster:
    schools = draw(st.integers(1, 3))
    school = st.integers(0, schools - 1)
    students = draw(st.lists(school, min_size=1, max_size=6))
    guardians = draw(st.integers(1, 4))
    links = draw(
        st.lists(
            st.tuples(
                st.integers(0, guardians - 1),
                st.integers(0, len(students) - 1),
                st.booleans(),
                st.booleans(),
            ),
            max_size=8,
            unique_by=lambda link: (link[0], link[1]),
        )
    )
    staff = draw(
        st.lists(
            st.tuples(st.sampled_from(["teacher", "principal"]), school), min_size=1, max_size=5
        )
    )
    teachers = [index for index, (role, _school) in enumerate(staff) if role == "teacher"]
    teaching = (
        st.frozensets(st.sampled_from(teachers), max_size=2) if teachers else st.just(frozenset())
    )
    sections = draw(st.lists(st.tuples(school, teaching), max_size=4))
    enrollments = []
    if sections:
        enrollments = draw(
            st.lists(
                st.tuples(
                    st.integers(0, len(students) - 1),
                    st.integers(0, len(sections) - 1),
                    st.integers(-60, 10),
                    st.one_of(st.none(), st.integers(-30, 60)),
                ).filter(lambda e: e[3] is None or e[3] >= e[2]),
                max_size=10,
                unique_by=lambda e: (e[0], e[1], e[2]),  # one enrollment per student, class, start
            )
        )
    return Roster(schools, students, links, guardians, staff, sections, enrollments)


def build(roster: Roster):
    """Insert the roster through the factories (inside the caller's transaction, rolled back
    afterwards), in bulk: a flush per row made the 1,000 rosters take 2.5 times as long."""
    with factories.in_bulk():
        return _roster_rows(roster)


def _roster_rows(roster: Roster):
    schools = [factories.school(name=f"School {i}") for i in range(roster.schools)]
    students = [
        factories.student(given_name="S", family_name=str(i), school=schools[s])
        for i, s in enumerate(roster.students)
    ]
    guardians = [
        factories.guardian(given_name="G", family_name=str(i)) for i in range(roster.guardians)
    ]
    staff = [
        factories.staff(given_name="T", family_name=str(i), role=StaffRole(role), school=schools[s])
        for i, (role, s) in enumerate(roster.staff)
    ]
    sections = [
        factories.section(
            title=f"Section {i}",
            school=schools[s],
            term="2026",
            teachers=[staff[t] for t in sorted(teaching)],
        )
        for i, (s, teaching) in enumerate(roster.sections)
    ]
    for g, s, rights, active in roster.links:
        factories.link(guardians[g], students[s], has_rights=rights, active=active)
    for s, c, begin, end in roster.enrollments:
        factories.enroll(
            students[s],
            sections[c],
            begin=TODAY + timedelta(days=begin),
            end=None if end is None else TODAY + timedelta(days=end),
        )
    return schools, students, guardians, staff, sections


def oracle_students(roster: Roster, kind: str, index: int) -> set[int]:
    """Who sees which student, straight from the words of the rule (indexes, not ids)."""
    if kind == "guardian":
        return {s for g, s, _rights, active in roster.links if g == index and active}
    role, school = roster.staff[index]
    if role == "principal":
        return {s for s, home in enumerate(roster.students) if home == school}
    return {
        s
        for s, c, begin, end in roster.enrollments
        if index in roster.sections[c][1] and begin <= 0 and (end is None or end >= 0)
    }


def oracle_sections(roster: Roster, index: int) -> set[int]:
    role, school = roster.staff[index]
    if role == "principal":
        return {c for c, (home, _t) in enumerate(roster.sections) if home == school}
    return {c for c, (_home, teaching) in enumerate(roster.sections) if index in teaching}


def scope_of_each(scopes) -> dict[int, set[int]]:
    """Run many one-column id scopes as one UNION ALL, tagged by position (one round trip)."""
    tagged = [
        select(literal(position).label("who"), scope.subquery().c[0].label("id"))
        for position, scope in enumerate(scopes)
    ]
    found: dict[int, set[int]] = {position: set() for position in range(len(scopes))}
    for who, row_id in db.session.execute(union_all(*tagged)):
        found[who].add(row_id)
    return found


@pytest.mark.long
def test_access_scopes_equal_the_rule_on_generated_rosters(app):
    checks = 0

    @settings(
        max_examples=1000,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(rosters())
    def check(roster):
        nonlocal checks
        with app.app_context():
            try:
                _schools, students, guardians, staff, sections = build(roster)
                student_index = {student.id: i for i, student in enumerate(students)}
                section_index = {section.id: i for i, section in enumerate(sections)}

                # Unsaved accounts: a scope reads only whom the account is for, never its row.
                guardian_actors = [Account(guardian_id=g.id, guardian=g) for g in guardians]
                staff_actors = [Account(staff_id=p.id, staff=p) for p in staff]
                seen = scope_of_each(
                    [visible_student_ids(a, TODAY) for a in guardian_actors + staff_actors]
                )
                for key, ids in seen.items():
                    assert ids <= student_index.keys(), "a student from outside the roster"
                    expected = (
                        oracle_students(roster, "guardian", key)
                        if key < len(guardians)
                        else oracle_students(roster, "staff", key - len(guardians))
                    )
                    assert {student_index[i] for i in ids} == expected
                    checks += 1
                for g, actor in enumerate(guardian_actors):
                    # Filing needs FERPA rights on an active link: try every child they touch.
                    linked = {s for gg, s, _r, _a in roster.links if gg == g} | {0}
                    may_file = {s for s in linked if can_file_for(actor, students[s].id)}
                    assert may_file == {
                        s for gg, s, rights, active in roster.links if gg == g and rights and active
                    }
                    checks += 1
                shown = scope_of_each(
                    [visible_sections(a).with_only_columns(Section.id) for a in staff_actors]
                )
                for t, ids in shown.items():
                    assert {section_index[i] for i in ids} == oracle_sections(roster, t)
                    checks += 1
            finally:
                db.session.rollback()
                db.session.remove()

    check()
    PROBE_COUNTS["Access property: scope checks on 1,000 generated rosters"] = checks
