"""Which tools reach which student: district-wide, at the student's school, or in a section."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, or_, select

from consent.access.policy import current_enrollment
from consent.catalog.models import Tool, ToolUse, UseScope
from consent.extensions import db
from consent.roster.models import Enrollment, Section, Student


def use_is_current(today: date):
    return and_(
        ToolUse.starts_on <= today, or_(ToolUse.ends_on.is_(None), ToolUse.ends_on >= today)
    )


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


def tools_by_student(
    students: list[Student], sections_by_student: dict[int, list[Section]], today: date
) -> dict[int, list[ToolInUse]]:
    """Every tool each student uses today, from one query over the uses that reach them."""
    school_ids = {s.school_id for s in students}
    section_ids = {sec.id for secs in sections_by_student.values() for sec in secs}
    uses = list(
        db.session.scalars(
            select(ToolUse)
            .where(
                use_is_current(today),
                or_(
                    ToolUse.scope == UseScope.DISTRICT,
                    and_(ToolUse.scope == UseScope.SCHOOL, ToolUse.school_id.in_(school_ids)),
                    and_(ToolUse.scope == UseScope.SECTION, ToolUse.section_id.in_(section_ids)),
                ),
            )
            .order_by(ToolUse.id)
        ).unique()
    )
    result: dict[int, list[ToolInUse]] = {}
    for student in students:
        own_sections = {sec.id: sec for sec in sections_by_student.get(student.id, [])}
        by_tool: dict[int, ToolInUse] = {}
        for use in uses:
            if use.scope is UseScope.SCHOOL and use.school_id != student.school_id:
                continue
            if use.scope is UseScope.SECTION and use.section_id not in own_sections:
                continue
            entry = by_tool.setdefault(use.tool_id, ToolInUse(tool=use.tool))
            if use.scope is UseScope.DISTRICT:
                entry.district = True
            elif use.scope is UseScope.SCHOOL:
                entry.school = True
            elif own_sections[use.section_id] not in entry.sections:
                entry.sections.append(own_sections[use.section_id])
        result[student.id] = sorted(by_tool.values(), key=lambda e: e.tool.name.lower())
    return result


def tools_for_student(student: Student, sections: list[Section], today: date) -> list[ToolInUse]:
    return tools_by_student([student], {student.id: sections}, today)[student.id]
