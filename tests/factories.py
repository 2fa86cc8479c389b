"""Rows a test needs beyond the demo district, so that a test names only what matters to it.

Call them inside an app context. Each adds its rows, flushes (ids are set) and returns the new
object; the test commits when a request or another process must see them. Every default is
unique per call (names, sourced ids, emails), so a test can make as many as it likes.

Roster rows (schools, staff, sections, students, guardians, their links and enrollments) come
from the district's student information system, and the roster import writes them as plain rows:
so do these. Accounts are made the way an accepted invitation makes them, tools through the
catalog's create_tool, vetting requests through vetting's submit_request, and tool uses
through vetting's declare_use (which also routes the opt-outs the new use concerns), each acted
by the privacy office unless a test says who. Requests (opt-outs) and closed days are plain
rows, each saying why.

At the end: Lincoln, a small school whose every report figure is known.
"""

import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from consent.accounts import invitations, totp
from consent.accounts.models import Account
from consent.catalog import operations as catalog
from consent.catalog.models import AgreementStatus, LegalBasis, Tool, ToolUse, VettingStatus
from consent.core import clock
from consent.demo.operations import DEMO_PASSWORD, DEMO_TOTP_SECRET
from consent.extensions import db
from consent.optouts.models import OptOut, OptOutStatus
from consent.roster.models import (
    Enrollment,
    Guardian,
    GuardianLink,
    Relationship,
    School,
    Section,
    Staff,
    StaffRole,
    Student,
)
from consent.schoolcalendar.models import Closure
from consent.vetting import operations as vetting
from consent.vetting.models import VettingRequest

_numbers = itertools.count(1)
_flush_each = True


def _added(*rows):
    db.session.add_all(rows)
    if _flush_each:
        db.session.flush()
    return rows[0]


@contextmanager
def in_bulk() -> Iterator[None]:
    """Roster rows made inside are flushed together on leaving, so ids are set only then: for a
    test making thousands of rows, where a flush per row would multiply its time."""
    global _flush_each
    _flush_each = False
    try:
        yield
    finally:
        _flush_each = True
    db.session.flush()


def school(*, name: str | None = None, **fields) -> School:
    n = next(_numbers)
    return _added(School(sourced_id=f"school-f{n}", name=name or f"Factory School {n}", **fields))


new_school = school  # for the functions below, whose `school` is a parameter


def staff(*, role: StaffRole = StaffRole.TEACHER, school: School | None = None, **fields) -> Staff:
    """A teacher unless `role` says otherwise; a principal gets a school of their own unless
    given one."""
    n = next(_numbers)
    if school is None and role is StaffRole.PRINCIPAL:
        school = new_school()
    fields = {
        "given_name": "Terry",
        "family_name": f"Staff{n}",
        "email": f"staff{n}@factory.example",
        **fields,
    }
    return _added(Staff(sourced_id=f"staff-f{n}", role=role, school=school, **fields))


def section(*, school: School | None = None, teachers: Iterable[Staff] = (), **fields) -> Section:
    n = next(_numbers)
    fields = {"title": f"Factory Room {n}", "term": "2026-2027", **fields}
    return _added(
        Section(
            sourced_id=f"section-f{n}",
            school=school or new_school(),
            teachers=list(teachers),
            **fields,
        )
    )


def enroll(
    student: Student, section: Section, *, begin: date | None = None, end: date | None = None
) -> Enrollment:
    """In the class from `begin` (today by default) to `end` (no end: still in it)."""
    return _added(
        Enrollment(
            student=student, section=section, begin_date=begin or clock.today(), end_date=end
        )
    )


def link(
    guardian: Guardian,
    student: Student,
    *,
    relationship: Relationship = Relationship.PARENT,
    has_rights: bool = True,
    active: bool = True,
) -> GuardianLink:
    """A parent with FERPA rights unless said otherwise."""
    return _added(
        GuardianLink(
            guardian=guardian,
            student=student,
            relationship_type=relationship,
            has_rights=has_rights,
            active=active,
        )
    )


def student(
    *,
    school: School | None = None,
    sections: Iterable[Section] = (),
    guardians: Iterable[Guardian] = (),
    **fields,
) -> Student:
    """A fourth grader, enrolled today in each of `sections`, a child with rights of each of
    `guardians`. The school is the first section's, or a new one."""
    sections, guardians = list(sections), list(guardians)
    n = next(_numbers)
    if school is None:
        school = sections[0].school if sections else new_school()
    fields = {
        "given_name": "Kit",
        "family_name": f"Pupil{n}",
        "grade": "4",
        "district_identifier": f"F{n:07d}",
        **fields,
    }
    pupil = _added(Student(sourced_id=f"student-f{n}", school=school, **fields))
    for each in sections:
        enroll(pupil, each)
    for each in guardians:
        link(each, pupil)
    return pupil


def guardian(*, children: Iterable[Student] = (), **fields) -> Guardian:
    """A guardian with an email address, English-speaking, parent with rights of `children`."""
    n = next(_numbers)
    fields = {
        "given_name": "Gale",
        "family_name": f"Guardian{n}",
        "email": f"guardian{n}@factory.example",
        "preferred_language": "en",
        **fields,
    }
    person = _added(Guardian(sourced_id=f"guardian-f{n}", **fields))
    for child in children:
        link(person, child)
    return person


new_guardian = guardian  # for optout below, whose `guardian` is a parameter


def account(person: Guardian | Staff, *, password: str = DEMO_PASSWORD) -> Account:
    """The account the person's invitation makes when they accept it (signs in with the demo
    password unless given another). A role that must have a second factor gets the demo's
    published key, as the demo's own principals do (tests.support answers the second step)."""
    made = invitations.accept(actor=None, person=person, password=password)
    if totp.required_for(made):
        made.totp_secret = DEMO_TOTP_SECRET
        made.totp_enabled_at = clock.now()
    return made


def privacy_office() -> Account:
    """The privacy office's account: the demo's when there is one, else a new one."""
    office = db.session.scalar(
        select(Account)
        .join(Staff, Staff.id == Account.staff_id)
        .where(Staff.role == StaffRole.PRIVACY_OFFICER)
        .order_by(Account.id)
        .limit(1)
    )
    return office or account(staff(role=StaffRole.PRIVACY_OFFICER))


def tool(
    *,
    actor: Account | None = None,
    categories: dict[str, str] | None = None,
    features: dict[str, str] | None = None,
    options: Iterable[str] = ("Alternative activity",),
    **fields,
) -> Tool:
    """An approved tool with a signed agreement in force for a year, collecting students'
    names, entered in the catalog by the privacy office."""
    n = next(_numbers)
    today = clock.today()
    name = fields.pop("name", f"Factorytool {n}")
    fields = {
        "vendor": f"{name} Inc.",
        "purpose": "Practice in class.",
        "website": f"https://tool{n}.example/",
        "privacy_policy_url": f"https://tool{n}.example/privacy",
        "grade_band": "K-12",
        "legal_basis": LegalBasis.SCHOOL_OFFICIAL,
        "vetting_status": VettingStatus.APPROVED,
        "agreement_status": AgreementStatus.SIGNED,
        "agreement_signed_on": today - timedelta(days=365),
        "agreement_expires_on": today + timedelta(days=365),
        **fields,
    }
    data = catalog.ToolData(
        name=name,
        categories={"Student Name": "first and last name"} if categories is None else categories,
        features=features or {},
        options=list(options),
        **fields,
    )
    return catalog.create_tool(actor=actor or privacy_office(), data=data, today=today)


def tool_use(
    tool: Tool,
    *,
    section: Section | None = None,
    school: School | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
    actor: Account | None = None,
    today: date | None = None,
) -> ToolUse:
    """The tool in use in `section`, or at `school`, or else district-wide, from today unless
    `starts_on` says otherwise; declared by the privacy office unless `actor` is given, on
    `today` (the clock's unless a test's figures are for a day of their own)."""
    today = today or clock.today()
    change = vetting.declare_use(
        actor=actor or privacy_office(),
        tool=tool,
        starts_on=starts_on or today,
        ends_on=ends_on,
        section=section,
        school=school,
        today=today,
    )
    return change.use


def vetting_request(*, requester: Account, **fields) -> VettingRequest:
    """A staff member's request to vet a new tool, submitted as the form submits it."""
    n = next(_numbers)
    fields = {
        "name": f"Factoryapp {n}",
        "website": f"https://app{n}.example/",
        "purpose": "Class walls",
        "grades": "4-5",
        "student_use": "Posts",
        "student_data": "Names",
        **fields,
    }
    return vetting.submit_request(actor=requester, **fields)


def closure(day: date, *, reason: str = "Staff day") -> Closure:
    """A day the district is closed, as a plain row: the office's add_closures would also move
    open requests' due dates (the demo's too), and refuses a weekend, which a test may want to
    show changes nothing."""
    return _added(Closure(day=day, reason=reason))


def optout(
    student: Student,
    tool: Tool,
    *,
    status: OptOutStatus = OptOutStatus.CONFIRMED,
    filed_at: datetime | None = None,
    plan_due_on: date | None = None,
    confirm_due_on: date | None = None,
    resolved_at: datetime | None = None,
    feature: str = "",
    guardian: Guardian | None = None,
) -> OptOut:
    """A request standing at `status` with the dates a test names, as a plain row: the
    operations file at the clock's moment and count the deadlines themselves, while a report's
    known figures are the rows it counts. Filed three days ago by a new parent of the child, due
    today and two days on, unless said otherwise; an ended request ended a day after filing,
    as the database requires."""
    filed_at = filed_at or clock.now() - timedelta(days=3)
    plan_due_on = plan_due_on or clock.today()
    if resolved_at is None and status is OptOutStatus.CONFIRMED:
        resolved_at = clock.now()
    ended = status in (OptOutStatus.WITHDRAWN, OptOutStatus.CLOSED)
    return _added(
        OptOut(
            student_id=student.id,
            tool_id=tool.id,
            feature=feature,
            accommodation="Alternative activity",
            status=status,
            filed_by_guardian_id=(guardian or new_guardian(children=[student])).id,
            filed_at=filed_at,
            plan_due_on=plan_due_on,
            confirm_due_on=confirm_due_on or plan_due_on + timedelta(days=2),
            resolved_at=resolved_at,
            ended_at=filed_at + timedelta(days=1) if ended else None,
        )
    )


# --- Lincoln: a small school whose every report figure is known -------------------------------

LINCOLN_TODAY = date(2026, 11, 23)  # a Monday: the day Lincoln's figures are for
YEAR_START = date(2026, 8, 24)
NEW_YORK = ZoneInfo("America/New_York")


def district_moment(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment given in the district's own time (New York), stored in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


@dataclass
class Lincoln:
    school_id: int
    guardian_id: int
    students: dict[str, int]
    tools: dict[str, int]
    optouts: dict[str, int]


def lincoln() -> Lincoln:
    """Lincoln Report School, committed, next to the demo district (reports take `today`:
    these figures are for LINCOLN_TODAY).

    Students s1..s6 active, s7 left the district, all children of Lena Lincoln (no email).
    Section "Lincoln Room 1" has s1, s2, s3 enrolled now and s4 whose enrollment ended. Tools:
    - Alpha: used school-wide at Lincoln; signed agreement ending in 30 days.
    - Beta: used in Lincoln Room 1 only; signed agreement ending in 120 days.
    - Google Classroom (the demo's district-wide tool) reaches every Lincoln student too.

    Requests (student, tool, status, filed, due dates):
    - s1 Alpha submitted, plan due 20 Nov (overdue)      - s5 Alpha submitted, plan due 25 Nov
    - s3 Beta in_progress, plan due 18 Nov (overdue)     - s6 Beta planned, confirm due 24 Nov
    - s4 Beta withdrawn (not open, not in effect)
    - four confirmed requests for Alpha (s2, s6) and Beta (s1, s2), whose school days from
      filing to confirmation are 1, 2, 4 and 5 (a closure on Monday 9 November is in the way
      of one; one was filed at 23:30 in New York, already the next day in UTC):
      median 3.0, 90th percentile 4.7.
    """
    today = LINCOLN_TODAY
    school = new_school(name="Lincoln Report School")
    lena = guardian(given_name="Lena", family_name="Lincoln", email=None)
    students = {
        f"s{number}": student(
            school=school,
            guardians=[lena],
            given_name=f"Linc{number}",
            family_name="Pupil",
            grade="3",
            district_identifier=f"L{number:06d}",
            active=number != 7,
        )
        for number in range(1, 8)
    }
    room = section(school=school, title="Lincoln Room 1", term="2026-2027")
    for key in ("s1", "s2", "s3"):
        enroll(students[key], room, begin=YEAR_START)
    enroll(students["s4"], room, begin=YEAR_START, end=date(2026, 10, 1))
    alpha, beta = (
        tool(
            name=name,
            grade_band="K-5",
            agreement_signed_on=date(2025, 1, 1),
            agreement_expires_on=today + timedelta(days=days),
        )
        for name, days in (("Alpha", 30), ("Beta", 120))
    )
    tool_use(alpha, school=school, starts_on=YEAR_START, today=today)
    tool_use(beta, section=room, starts_on=YEAR_START, today=today)
    closure(date(2026, 11, 9))
    closure(date(2026, 11, 14), reason="A Saturday (never a school day anyway)")

    def request(student, tool, status, filed, plan_due, confirm_due, resolved=None):
        return optout(
            students[student],
            tool,
            status=status,
            filed_at=filed,
            plan_due_on=plan_due,
            confirm_due_on=confirm_due,
            resolved_at=resolved,
            guardian=lena,
        )

    S, P, C = OptOutStatus.SUBMITTED, OptOutStatus.PLANNED, OptOutStatus.CONFIRMED
    on, nov = district_moment, lambda day: date(2026, 11, day)
    requests = {
        "s1-alpha": request("s1", alpha, S, on(nov(17)), nov(20), nov(24)),
        "s5-alpha": request("s5", alpha, S, on(nov(20)), nov(25), nov(27)),
        "s3-beta": request("s3", beta, OptOutStatus.IN_PROGRESS, on(nov(12)), nov(18), nov(20)),
        "s6-beta": request("s6", beta, P, on(nov(16)), nov(19), nov(24)),
        "s4-beta": request("s4", beta, OptOutStatus.WITHDRAWN, on(nov(2)), nov(5), nov(9)),
        # Confirmed: Mon 2 Nov -> Fri 6 Nov: 4 school days.
        "s2-alpha": request("s2", alpha, C, on(nov(2)), nov(5), nov(9), on(nov(6), 14)),
        # Thu 5 Nov -> Tue 10 Nov, Monday 9 closed: Fri, Tue = 2 school days.
        "s6-alpha": request("s6", alpha, C, on(nov(5)), nov(11), nov(13), on(nov(10), 9)),
        # Wed 11 Nov -> Wed 18 Nov (Saturday 14 "closed" changes nothing): 5 school days.
        "s1-beta": request("s1", beta, C, on(nov(11)), nov(16), nov(18), on(nov(18), 16)),
        # Mon 16 Nov 23:30 in New York (Tue in UTC) -> Tue 17 Nov: 1 school day.
        "s2-beta": request("s2", beta, C, on(nov(16), 23, 30), nov(19), nov(23), on(nov(17), 14)),
    }
    db.session.commit()
    classroom = db.session.scalar(select(Tool.id).where(Tool.name == "Google Classroom"))
    return Lincoln(
        school_id=school.id,
        guardian_id=lena.id,
        students={key: pupil.id for key, pupil in students.items()},
        tools={"alpha": alpha.id, "beta": beta.id, "classroom": classroom},
        optouts={key: row.id for key, row in requests.items()},
    )
