"""A small school built by hand next to the demo district, whose every report figure is known.

Today is Monday 23 November 2026 for these figures (reports take `today` as a parameter).

Lincoln Report School: students s1..s6 active, s7 left the district. Section "Lincoln Room 1"
has s1, s2, s3 enrolled now and s4 whose enrollment ended. Tools:
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

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from consent.catalog.models import (
    AgreementStatus,
    LegalBasis,
    Tool,
    ToolUse,
    UseScope,
    VettingStatus,
)
from consent.extensions import db
from consent.optouts.models import OptOut, OptOutStatus
from consent.roster.models import (
    Enrollment,
    Guardian,
    GuardianLink,
    Relationship,
    School,
    Section,
    Student,
)
from consent.schoolcalendar.models import Closure

TODAY = date(2026, 11, 23)
NEW_YORK = ZoneInfo("America/New_York")
YEAR_START = date(2026, 8, 24)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A moment given in the district's own time (New York), stored in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


@dataclass
class Lincoln:
    school_id: int
    students: dict[str, int]
    tools: dict[str, int]
    optouts: dict[str, int]


def _tool(name: str, expires: date) -> Tool:
    return Tool(
        name=name,
        vendor=f"{name} Inc.",
        purpose="Practice",
        website=f"https://{name.lower()}.example",
        privacy_policy_url=f"https://{name.lower()}.example/privacy",
        grade_band="K-5",
        legal_basis=LegalBasis.SCHOOL_OFFICIAL,
        vetting_status=VettingStatus.APPROVED,
        agreement_status=AgreementStatus.SIGNED,
        agreement_signed_on=date(2025, 1, 1),
        agreement_expires_on=expires,
    )


def build_lincoln() -> Lincoln:
    school = School(sourced_id="school-lincoln", name="Lincoln Report School")
    guardian = Guardian(
        sourced_id="guardian-lincoln", given_name="Lena", family_name="Lincoln", email=None
    )
    db.session.add_all([school, guardian])
    students = {}
    for number in range(1, 8):
        student = Student(
            sourced_id=f"student-lincoln-{number}",
            district_identifier=f"L{number:06d}",
            given_name=f"Linc{number}",
            family_name="Pupil",
            grade="3",
            school=school,
            active=number != 7,
        )
        db.session.add(student)
        db.session.add(
            GuardianLink(
                guardian=guardian,
                student=student,
                relationship_type=Relationship.PARENT,
                has_rights=True,
            )
        )
        students[f"s{number}"] = student
    section = Section(
        sourced_id="section-lincoln-1", title="Lincoln Room 1", school=school, term="2026-2027"
    )
    db.session.add(section)
    for key in ("s1", "s2", "s3"):
        db.session.add(Enrollment(student=students[key], section=section, begin_date=YEAR_START))
    db.session.add(
        Enrollment(
            student=students["s4"],
            section=section,
            begin_date=YEAR_START,
            end_date=date(2026, 10, 1),
        )
    )
    alpha, beta = _tool("Alpha", TODAY + timedelta(30)), _tool("Beta", TODAY + timedelta(120))
    db.session.add_all([alpha, beta])
    db.session.add_all(
        [
            ToolUse(tool=alpha, scope=UseScope.SCHOOL, school=school, starts_on=YEAR_START),
            ToolUse(tool=beta, scope=UseScope.SECTION, section=section, starts_on=YEAR_START),
            Closure(day=date(2026, 11, 9), reason="Staff day"),
            Closure(day=date(2026, 11, 14), reason="A Saturday (never a school day anyway)"),
        ]
    )
    db.session.flush()

    def optout(key, student, tool, status, filed_at, plan_due, confirm_due, resolved_at=None):
        ended = status in (OptOutStatus.WITHDRAWN, OptOutStatus.CLOSED)
        row = OptOut(
            student_id=students[student].id,
            tool_id=tool.id,
            feature="",
            accommodation="Alternative activity",
            status=status,
            filed_by_guardian_id=guardian.id,
            filed_at=filed_at,
            plan_due_on=plan_due,
            confirm_due_on=confirm_due,
            resolved_at=resolved_at,
            ended_at=filed_at + timedelta(days=1) if ended else None,  # as the database holds
        )
        db.session.add(row)
        return key, row

    S, P, C = OptOutStatus.SUBMITTED, OptOutStatus.PLANNED, OptOutStatus.CONFIRMED
    rows = dict(
        [
            optout(
                "s1-alpha",
                "s1",
                alpha,
                S,
                at(date(2026, 11, 17)),
                TODAY - timedelta(3),
                TODAY + timedelta(1),
            ),  # fmt: skip
            optout(
                "s5-alpha",
                "s5",
                alpha,
                S,
                at(date(2026, 11, 20)),
                date(2026, 11, 25),
                date(2026, 11, 27),
            ),  # fmt: skip
            optout(
                "s3-beta",
                "s3",
                beta,
                OptOutStatus.IN_PROGRESS,
                at(date(2026, 11, 12)),
                date(2026, 11, 18),
                date(2026, 11, 20),
            ),  # fmt: skip
            optout(
                "s6-beta",
                "s6",
                beta,
                P,
                at(date(2026, 11, 16)),
                date(2026, 11, 19),
                date(2026, 11, 24),
            ),  # fmt: skip
            optout(
                "s4-beta",
                "s4",
                beta,
                OptOutStatus.WITHDRAWN,
                at(date(2026, 11, 2)),
                date(2026, 11, 5),
                date(2026, 11, 9),
            ),  # fmt: skip
            # Confirmed: Mon 2 Nov -> Fri 6 Nov: 4 school days.
            optout(
                "s2-alpha",
                "s2",
                alpha,
                C,
                at(date(2026, 11, 2)),
                date(2026, 11, 5),
                date(2026, 11, 9),
                at(date(2026, 11, 6), 14),
            ),  # fmt: skip
            # Thu 5 Nov -> Tue 10 Nov, Monday 9 closed: Fri, Tue = 2 school days.
            optout(
                "s6-alpha",
                "s6",
                alpha,
                C,
                at(date(2026, 11, 5)),
                date(2026, 11, 11),
                date(2026, 11, 13),
                at(date(2026, 11, 10), 9),
            ),  # fmt: skip
            # Wed 11 Nov -> Wed 18 Nov (Saturday 14 "closed" changes nothing): 5 school days.
            optout(
                "s1-beta",
                "s1",
                beta,
                C,
                at(date(2026, 11, 11)),
                date(2026, 11, 16),
                date(2026, 11, 18),
                at(date(2026, 11, 18), 16),
            ),  # fmt: skip
            # Mon 16 Nov 23:30 in New York (Tue in UTC) -> Tue 17 Nov: 1 school day.
            optout(
                "s2-beta",
                "s2",
                beta,
                C,
                at(date(2026, 11, 16), 23, 30),
                date(2026, 11, 19),
                date(2026, 11, 23),
                at(date(2026, 11, 17), 14),
            ),  # fmt: skip
        ]
    )
    db.session.commit()
    classroom = db.session.scalar(select(Tool.id).where(Tool.name == "Google Classroom"))
    return Lincoln(
        school_id=school.id,
        students={key: s.id for key, s in students.items()},
        tools={"alpha": alpha.id, "beta": beta.id, "classroom": classroom},
        optouts={key: row.id for key, row in rows.items()},
    )
