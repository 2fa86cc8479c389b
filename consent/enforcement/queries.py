"""Reads for the privacy office's roster-check pages."""

from sqlalchemy import Select, func, select

from consent.catalog.models import Tool
from consent.enforcement.models import RosterCheck, RosterCheckFinding
from consent.extensions import db
from consent.roster.models import School, Student


def check_list() -> Select:
    """Every check, newest first (paginate it)."""
    return select(RosterCheck).order_by(RosterCheck.id.desc())


def tool_choices() -> list[tuple[int, str]]:
    return [
        (row.id, f"{row.name} ({row.vendor})" if row.vendor else row.name)
        for row in db.session.execute(
            select(Tool.id, Tool.name, Tool.vendor).order_by(Tool.name, Tool.id)
        )
    ]


def still_present_by_school(check_id: int) -> list[tuple[int, str, int]]:
    """(school id, school name, students still in the vendor's roster), by school name."""
    return [
        (row.id, row.name, row.count)
        for row in db.session.execute(
            select(School.id, School.name, func.count().label("count"))
            .join(RosterCheckFinding, RosterCheckFinding.school_id == School.id)
            .where(RosterCheckFinding.check_id == check_id, RosterCheckFinding.present)
            .group_by(School.id, School.name)
            .order_by(School.name, School.id)
        )
    ]


def still_present(check_id: int) -> Select:
    """The findings of students the vendor's roster still lists, by the school they were at when
    checked, then name (paginate it)."""
    return (
        select(RosterCheckFinding)
        .join(Student, Student.id == RosterCheckFinding.student_id)
        .join(School, School.id == RosterCheckFinding.school_id)
        .where(RosterCheckFinding.check_id == check_id, RosterCheckFinding.present)
        .order_by(School.name, Student.family_name, Student.given_name, Student.id)
    )
