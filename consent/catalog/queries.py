"""The catalog's lists, and the tools each student meets (from `consent.catalog.reach`)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache

from sqlalchemy import Date, Select, bindparam, distinct, exists, func, or_, select
from sqlalchemy.orm import lazyload

from consent.access import deciding_link
from consent.catalog.models import (
    APPROVED_STATUSES,
    AgreementStatus,
    Tool,
    ToolChangeNotice,
    ToolDataCategory,
    ToolRevision,
    UseScope,
    VettingStatus,
)
from consent.catalog.reach import reach, students_reached
from consent.extensions import db
from consent.roster.conditions import current_enrollment
from consent.roster.models import Enrollment, Guardian, GuardianLink, Section, Student

EXPIRING_DAYS = 90


def current_sections_by_student(student_ids: list[int], today: date) -> dict[int, list[Section]]:
    """Each student's sections today, with teachers, in two queries whatever the count."""
    rows = db.session.execute(
        select(Enrollment.student_id, Section)
        .join(Section, Section.id == Enrollment.section_id)
        .where(Enrollment.student_id.in_(student_ids), current_enrollment(today))
        .order_by(Section.title, Section.id)
    ).unique()
    result: dict[int, list[Section]] = defaultdict(list)
    for student_id, section in rows:
        if section not in result[student_id]:
            result[student_id].append(section)
    return result


def current_sections(student_id: int, today: date) -> list[Section]:
    return current_sections_by_student([student_id], today).get(student_id, [])


@dataclass
class ToolInUse:
    """A tool as one student meets it: where it comes from (district, school, which sections)."""

    tool: Tool
    district: bool = False
    school: bool = False
    sections: list[Section] = field(default_factory=list)

    @property
    def everywhere(self) -> bool:
        return self.district or self.school


@cache
def _tool_counts_query() -> Select:
    """Built once: on the busiest page of all, putting the union together again for every
    request cost more than running it. Only the day and the children change."""
    reached = reach(
        bindparam("today", type_=Date), students=bindparam("student_ids", expanding=True)
    ).subquery("reach")
    return select(reached.c.student_id, func.count(distinct(reached.c.tool_id))).group_by(
        reached.c.student_id
    )


def tool_counts(student_ids: list[int], today: date) -> dict[int, int]:
    """How many tools reach each student today: one query of plain numbers, whatever the
    number of tools, uses and classes (the guardian's start page)."""
    if not student_ids:
        return {}
    rows = db.session.execute(
        _tool_counts_query(), {"today": today, "student_ids": list(student_ids)}
    )
    return {student_id: count for student_id, count in rows}


def tools_by_student(
    students: list[Student],
    sections_by_student: dict[int, list[Section]],
    today: date,
    *,
    without: tuple[str, ...] = (),
) -> dict[int, list[ToolInUse]]:
    """Every tool each student uses today, from one query over the uses that reach them
    (`consent.catalog.reach`), each tool loaded once; `without` names the tool's collections a
    page does not show (e.g. "optout_options"), left unloaded."""
    reached = reach(today, students=[s.id for s in students]).subquery("reach")
    rows = db.session.execute(
        select(reached.c.student_id, reached.c.scope, reached.c.section_id, Tool)
        .join(Tool, Tool.id == reached.c.tool_id)
        .options(*(lazyload(getattr(Tool, name)) for name in without))
    ).all()
    result: dict[int, list[ToolInUse]] = {}
    for student in students:
        own_sections = {sec.id: sec for sec in sections_by_student.get(student.id, [])}
        by_tool: dict[int, ToolInUse] = {}
        for row in rows:
            if row.student_id != student.id:
                continue
            entry = by_tool.setdefault(row.Tool.id, ToolInUse(tool=row.Tool))
            if row.scope is UseScope.DISTRICT:
                entry.district = True
            elif row.scope is UseScope.SCHOOL:
                entry.school = True
            elif (section := own_sections.get(row.section_id)) and section not in entry.sections:
                entry.sections.append(section)
        result[student.id] = sorted(by_tool.values(), key=lambda e: e.tool.name.lower())
    return result


def tools_for_student(student: Student, sections: list[Section], today: date) -> list[ToolInUse]:
    return tools_by_student([student], {student.id: sections}, today)[student.id]


@dataclass(frozen=True)
class Reaching:
    """How one tool reaches one student: wider uses, and the titles of the classes it is in."""

    district: bool
    school: bool
    classes: tuple[str, ...]


def where_tool_reaches(student_id: int, tool_id: int, today: date) -> Reaching | None:
    """How the tool reaches the student today (district-wide, school-wide, which classes), in
    one statement; None once it no longer does. Staff read it on a request to know which
    lesson it concerns."""
    reached = reach(today, students=[student_id], tool_id=tool_id).subquery("reach")
    rows = db.session.execute(
        select(reached.c.scope, Section.title).outerjoin(
            Section, Section.id == reached.c.section_id
        )
    ).all()
    if not rows:
        return None
    scopes = {row.scope for row in rows}
    return Reaching(
        district=UseScope.DISTRICT in scopes,
        school=UseScope.SCHOOL in scopes,
        classes=tuple(sorted({row.title for row in rows if row.title is not None})),
    )


def guardians_of_users(tool_id: int, today: date) -> Select:
    """A SELECT of the ids of guardians holding FERPA rights for a student the tool reaches."""
    return (
        select(GuardianLink.guardian_id)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(
            deciding_link(),
            Guardian.active.is_(True),
            GuardianLink.student_id.in_(students_reached(tool_id, today)),
        )
        .distinct()
    )


def catalog_list(
    *,
    search: str = "",
    vetting_status: str = "",
    agreement: str = "",
    category: str = "",
    today: date,
) -> Select:
    """The staff catalog list with its filters; `agreement` also knows 'expired' and 'expiring'
    (signed, ending within 90 days)."""
    query = select(Tool).order_by(func.lower(Tool.name), Tool.id)
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            or_(func.lower(Tool.name).like(pattern), func.lower(Tool.vendor).like(pattern))
        )
    if vetting_status:
        query = query.where(Tool.vetting_status == VettingStatus(vetting_status))
    if agreement == "expired":
        query = query.where(
            Tool.agreement_status == AgreementStatus.SIGNED, Tool.agreement_expires_on < today
        )
    elif agreement == "expiring":
        query = query.where(
            Tool.agreement_status == AgreementStatus.SIGNED,
            Tool.agreement_expires_on >= today,
            Tool.agreement_expires_on <= today + timedelta(days=EXPIRING_DAYS),
        )
    elif agreement:
        query = query.where(Tool.agreement_status == AgreementStatus(agreement))
    if category:
        query = query.where(
            exists().where(
                ToolDataCategory.tool_id == Tool.id, ToolDataCategory.category == category
            )
        )
    return query


def says_what_it_collects():
    """The entry lists at least one kind of data; one just approved from a vetting request
    does not until the office fills it in."""
    return exists().where(ToolDataCategory.tool_id == Tool.id)


def public_catalog() -> Select:
    """Approved tools, as the district publishes them for families and the state; never one
    whose "what it collects" is still empty."""
    return (
        select(Tool)
        .where(Tool.vetting_status.in_(APPROVED_STATUSES), says_what_it_collects())
        .order_by(func.lower(Tool.name), Tool.id)
    )


def recent_notices(tool_ids: list[int], since: datetime) -> list[ToolChangeNotice]:
    """The changes families were told about for these tools since `since`, newest first."""
    if not tool_ids:
        return []
    return list(
        db.session.scalars(
            select(ToolChangeNotice)
            .where(ToolChangeNotice.tool_id.in_(tool_ids), ToolChangeNotice.created_at >= since)
            .order_by(ToolChangeNotice.created_at.desc(), ToolChangeNotice.id.desc())
            .options(lazyload(ToolChangeNotice.tool))
        )
    )


def tool_history(tool_id: int) -> Select:
    return (
        select(ToolRevision)
        .where(ToolRevision.tool_id == tool_id)
        .order_by(ToolRevision.number.desc())
    )
