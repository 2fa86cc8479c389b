"""Every report figure against a school whose answers are known (factories.lincoln)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from consent.catalog.models import Tool
from consent.catalog.reach import reach
from consent.extensions import db
from consent.reports.queries import TABLES, ReportScope, rows_of, time_to_confirmation
from consent.reports.sql import sqlite_district_date
from consent.roster.models import School, Section, Student
from tests import factories

TODAY, YEAR_START = factories.LINCOLN_TODAY, factories.YEAR_START


@pytest.fixture
def lincoln(ctx):
    return factories.lincoln()


def cells(name: str, scope: ReportScope) -> list[list[str]]:
    table = TABLES[name]
    return [table.cells(row) for row in rows_of(table, scope)]


def scope_of(lincoln) -> ReportScope:
    return ReportScope(school=db.session.get(School, lincoln.school_id), today=TODAY)


def test_open_requests_by_status_school_and_tool(lincoln):
    scope = scope_of(lincoln)
    assert cells("open-by-status", scope) == [
        ["Submitted", "2", "1"],
        ["In progress", "1", "1"],
        ["Plan ready for the principal", "1", "0"],
    ]
    assert cells("open-by-school", scope) == [["Lincoln Report School", "4", "2"]]
    assert cells("open-by-tool", scope) == [["Alpha", "2", "1"], ["Beta", "2", "1"]]


def test_the_district_adds_up_every_school(lincoln):
    district = ReportScope(school=None, today=TODAY)
    by_school = cells("open-by-school", district)
    assert ["Lincoln Report School", "4", "2"] in by_school
    statuses = cells("open-by-status", district)
    assert sum(int(row[1]) for row in statuses) == sum(int(row[1]) for row in by_school)
    assert sum(int(row[2]) for row in statuses) == sum(int(row[2]) for row in by_school)


def test_overdue_requests_are_listed_longest_overdue_first(lincoln):
    rows = cells("overdue", scope_of(lincoln))
    assert [(r[0], r[3], r[4], r[6]) for r in rows] == [
        ("Linc3 Pupil", "Beta", "In progress", date(2026, 11, 18)),
        ("Linc1 Pupil", "Alpha", "Submitted", date(2026, 11, 20)),
    ]


def test_median_and_90th_percentile_in_school_days_with_a_closure_in_the_way(lincoln):
    # 1, 2, 4 and 5 school days: median (2 + 4) / 2 = 3.0; p90 at 1 + 0.9 * 3 = 3.7 -> 4 + 0.7.
    assert cells("time-to-confirmation", scope_of(lincoln)) == [
        ["Lincoln Report School", "4", "3.0", "4.7"]
    ]


def test_the_window_function_percentiles_equal_percentile_cont(lincoln):
    """The SQLite formulation runs on PostgreSQL too: both must agree with each other."""
    scope = ReportScope(school=None, today=TODAY)
    portable = list(db.session.execute(time_to_confirmation(scope, native=False)))
    assert ("Lincoln Report School", 4, 3.0, 4.7) in [
        (r.name, r.confirmed, round(float(r.median), 3), round(float(r.p90), 3)) for r in portable
    ]
    if db.session.get_bind().dialect.name == "postgresql":
        native = list(db.session.execute(time_to_confirmation(scope, native=True)))
        assert [(r.name, r.confirmed, float(r.median), float(r.p90)) for r in native] == [
            (r.name, r.confirmed, float(r.median), float(r.p90)) for r in portable
        ]


def test_opt_out_rate_per_tool(lincoln):
    # Alpha school-wide: 6 active students; s1 and s5 open, s2 and s6 confirmed: 4 of 6.
    # Beta in Room 1: s1, s2, s3 enrolled now (s4's enrollment ended); s1 and s2 confirmed, s3
    # in progress: 3 of 3. s6's planned Beta request is in effect, but s6 is not in the class.
    # Google Classroom is district-wide: the 6 active students, none opted out (s7 left).
    assert cells("optout-rate", scope_of(lincoln)) == [
        ["Beta", "3", "3", "100.0"],
        ["Alpha", "6", "4", "66.7"],
        ["Google Classroom", "6", "0", "0.0"],
    ]


def test_agreements_ending_within_90_days(lincoln):
    names = [row[0] for row in cells("expiring-agreements", scope_of(lincoln))]
    assert "Alpha" in names
    assert "Beta" not in names  # ends in 120 days
    assert cells("expiring-agreements", scope_of(lincoln))[names.index("Alpha")] == [
        "Alpha",
        "Alpha Inc.",
        date(2026, 12, 23),
    ]


def test_a_schools_agreements_are_those_of_the_tools_in_use_there(lincoln):
    oakwood = db.session.scalar(select(School).where(School.name.like("Oakwood%")))
    names = [row[0] for row in cells("expiring-agreements", ReportScope(oakwood, TODAY))]
    assert "Alpha" not in names
    district = [row[0] for row in cells("expiring-agreements", ReportScope(None, TODAY))]
    assert "Alpha" in district


def test_a_schools_expiring_agreements_are_of_the_tools_reach_gives_its_students(lincoln):
    """The school's tools come from `consent.catalog.reach`'s scopes and dates: a class use
    that ended yesterday and a school-wide use starting tomorrow are not in use there, and
    reach gives neither to the school's students."""
    room1 = db.session.scalar(select(Section).where(Section.title == "Lincoln Room 1"))
    ended, coming, running = (
        factories.tool(
            name=name,
            agreement_signed_on=date(2025, 1, 1),
            agreement_expires_on=TODAY + timedelta(days=days),
        )
        for name, days in (("Gamma", 10), ("Epsilon", 15), ("Delta", 20))
    )
    # Declared when the year began, to end yesterday (a use ending in the past is refused).
    factories.tool_use(
        ended,
        section=room1,
        starts_on=YEAR_START,
        ends_on=TODAY - timedelta(days=1),
        today=YEAR_START,
    )
    lincoln_school = db.session.get(School, lincoln.school_id)
    factories.tool_use(
        coming, school=lincoln_school, starts_on=TODAY + timedelta(days=1), today=TODAY
    )
    factories.tool_use(running, section=room1, starts_on=YEAR_START, today=TODAY)
    listed = {row[0] for row in cells("expiring-agreements", scope_of(lincoln))}
    students = select(Student.id).where(Student.school_id == lincoln.school_id)
    reached = reach(TODAY, students=students).subquery()
    expiring = select(Tool.name).where(
        Tool.id.in_(select(reached.c.tool_id)),
        Tool.agreement_expires_on <= TODAY + timedelta(days=90),
    )
    assert listed == set(db.session.scalars(expiring)) == {"Alpha", "Delta"}


def test_district_date_on_sqlite_follows_new_york_summer_and_winter_time():
    assert sqlite_district_date("2026-11-17 04:30:00.000000", "America/New_York") == "2026-11-16"
    assert sqlite_district_date("2026-07-01 03:30:00", "America/New_York") == "2026-06-30"
    assert sqlite_district_date("2026-07-01 04:30:00", "America/New_York") == "2026-07-01"
    assert sqlite_district_date(None, "America/New_York") is None
    assert date.fromisoformat(sqlite_district_date("2026-11-17 12:00:00", "UTC")).day == 17
