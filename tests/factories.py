"""Rows a test needs beyond the demo district, so that a test names only what matters to it.

Call them inside an app context. Each adds its rows, flushes (ids are set) and returns the new
object; the test commits when a request or another process must see them. Every default is
unique per call (names, sourced ids, emails), so a test can make as many as it likes.

Roster rows (schools, staff, sections, students, guardians, their links and enrollments) come
from the district's student information system, and the roster import writes them as plain rows:
so do these. Accounts are made the way an accepted invitation makes them, tools through the
catalog's create_tool, and tool uses through vetting's declare_use (which also routes the
opt-outs the new use concerns), each acted by the privacy office unless a test says who.
"""

import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import select

from consent.accounts import invitations, totp
from consent.accounts.models import Account
from consent.catalog import operations as catalog
from consent.catalog.models import AgreementStatus, LegalBasis, Tool, ToolUse, VettingStatus
from consent.core import clock
from consent.demo.operations import DEMO_PASSWORD, DEMO_TOTP_SECRET
from consent.extensions import db
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
from consent.vetting import operations as vetting

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
    fields = {"given_name": "Kit", "family_name": f"Pupil{n}", "grade": "4", **fields}
    pupil = _added(
        Student(
            sourced_id=f"student-f{n}", district_identifier=f"F{n:07d}", school=school, **fields
        )
    )
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
) -> ToolUse:
    """The tool in use in `section`, or at `school`, or else district-wide, from today unless
    `starts_on` says otherwise; declared by the privacy office unless `actor` is given."""
    change = vetting.declare_use(
        actor=actor or privacy_office(),
        tool=tool,
        starts_on=starts_on or clock.today(),
        ends_on=ends_on,
        section=section,
        school=school,
    )
    return change.use
