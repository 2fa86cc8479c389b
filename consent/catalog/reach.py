"""Which tools reach which student today: the one definition every page, routing, report and
notice uses.

A current use of a tool (started, not yet ended) reaches an active student when it is
district-wide, school-wide at the student's school, or in a section the student is enrolled
in today. The rule comes in two shapes built from the same pieces: `reach`, a set of rows for
many students at once, and `reaches`, a condition on one row of an outer query.

Plain reads: this module imports only models, the roster's conditions and the database layer,
never access or an operation, so every layer above may use it."""

from collections.abc import Iterable
from datetime import date
from functools import cache

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    exists,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from consent.catalog.models import ToolUse, UseScope
from consent.extensions import db
from consent.roster.conditions import current_enrollment
from consent.roster.models import Enrollment, Section, Staff, Student, section_teacher

#: Which students: ids, a SELECT of ids, or None for every student.
Students = Iterable[int] | Select | None


def use_is_current(today: date, use=ToolUse):
    """SQL condition: the use (or an alias of the table) runs on `today`."""
    return and_(use.starts_on <= today, or_(use.ends_on.is_(None), use.ends_on >= today))


def _district(use):
    return use.scope == UseScope.DISTRICT


def _at_school(use, school_id):
    return and_(use.scope == UseScope.SCHOOL, use.school_id == school_id)


def _in_section(use, section_id):
    return and_(use.scope == UseScope.SECTION, use.section_id == section_id)


def reach_parts(
    today: date,
    *,
    students: Students = None,
    tool_id: int | None = None,
    pairs: Select | None = None,
) -> tuple[Select, Select, Select]:
    """The rows of `reach` by the way the tool arrives: district-wide, school-wide, in a class
    (for aggregates that count each way on its own)."""
    asked = pairs.subquery("asked") if pairs is not None else None
    columns = (
        Student.id.label("student_id"),
        Student.school_id.label("school_id"),
        ToolUse.tool_id.label("tool_id"),
        ToolUse.scope.label("scope"),
        ToolUse.section_id.label("section_id"),
    )

    def narrowed(query: Select) -> Select:
        query = query.where(Student.active.is_(True), use_is_current(today))
        if students is not None:
            query = query.where(Student.id.in_(students))
        if tool_id is not None:
            query = query.where(ToolUse.tool_id == tool_id)
        if asked is not None:
            query = query.join(
                asked,
                and_(asked.c.student_id == Student.id, asked.c.tool_id == ToolUse.tool_id),
            )
        return query

    district = select(*columns).join(ToolUse, _district(ToolUse))
    school = select(*columns).join(ToolUse, _at_school(ToolUse, Student.school_id))
    section = _through_classes(select(*columns), current_enrollment(today))
    return narrowed(district), narrowed(school), narrowed(section)


def _through_classes(query: Select, *enrollment_conditions) -> Select:
    """The section part's joins: the student's enrollments, then their sections' uses."""
    return query.join(
        Enrollment, and_(Enrollment.student_id == Student.id, *enrollment_conditions)
    ).join(ToolUse, _in_section(ToolUse, Enrollment.section_id))


def _later(a, b):
    return case((a >= b, a), else_=b)


def _earlier(a, b):
    """The earlier of two ends, None standing for open."""
    return case((a.is_(None), b), (b.is_(None), a), (a <= b, a), else_=b)


def class_reach_ranges() -> Select:
    """The section part of `reach_parts` for every day at once: (use_id, enrollment_id,
    tool_id, student_id, school_id, starts_on, ends_on) for each section use and each
    enrollment of an active student in that section whose dates meet, `starts_on`..`ends_on`
    (None: open) being the days both run. On any `today`, the rows whose range holds it give
    the (student, tool) pairs of `reach_parts(today)[2]`: what `consent.catalog.class_reach`
    stores (narrow it with `.where`)."""
    query = select(
        ToolUse.id.label("use_id"),
        Enrollment.id.label("enrollment_id"),
        ToolUse.tool_id.label("tool_id"),
        Student.id.label("student_id"),
        Student.school_id.label("school_id"),
        _later(ToolUse.starts_on, Enrollment.begin_date).label("starts_on"),
        _earlier(ToolUse.ends_on, Enrollment.end_date).label("ends_on"),
    ).select_from(Student)
    return _through_classes(query).where(
        Student.active.is_(True),
        or_(Enrollment.end_date.is_(None), ToolUse.starts_on <= Enrollment.end_date),
        or_(ToolUse.ends_on.is_(None), Enrollment.begin_date <= ToolUse.ends_on),
    )


def reach(
    today: date,
    *,
    students: Students = None,
    tool_id: int | None = None,
    pairs: Select | None = None,
) -> CompoundSelect:
    """(student_id, school_id, tool_id, scope, section_id) for each current use reaching an
    active student; section_id is the class a section use reaches them through, None for a
    wider use. One row per use: a tool used in two of the child's classes and school-wide
    gives three rows. Narrowed to some students, one tool, or `pairs`, a SELECT of
    (student_id, tool_id) such as the active opt-outs."""
    return union_all(*reach_parts(today, students=students, tool_id=tool_id, pairs=pairs))


def used_in_class(today: date, *, section_id, school_id, use=ToolUse) -> ColumnElement[bool]:
    """SQL condition: the use (or an alias) runs today for a whole class: district-wide,
    school-wide at the class's school, or in the class. The same scopes and dates as `reach`,
    asked of the class rather than of its students: what reaches each of its own school's
    students through it (`reaches` with `section_id`), even before any is enrolled."""
    return and_(
        use_is_current(today, use),
        or_(_district(use), _at_school(use, school_id), _in_section(use, section_id)),
    )


def used_at_school(today: date, *, school_id, use=ToolUse) -> ColumnElement[bool]:
    """SQL condition: the use (or an alias) runs today somewhere at a school: district-wide,
    school-wide there, or in one of its classes (`used_in_class` for any class of the
    school)."""
    classes = select(Section.id).where(Section.school_id == school_id)
    return and_(
        use_is_current(today, use),
        or_(
            _district(use),
            _at_school(use, school_id),
            and_(use.scope == UseScope.SECTION, use.section_id.in_(classes)),
        ),
    )


def students_reached(tool_id: int, today: date) -> Select:
    """A SELECT of the ids of the active students a tool reaches today."""
    reached = reach(today, tool_id=tool_id).subquery("reach")
    return select(reached.c.student_id)


@cache
def _reaching_aliases():
    """The aliases `reaches` correlates through, built once: building an alias costs more than
    the rest of a page's SQL (SQLAlchemy adapts every column), and the names never change."""
    return (
        aliased(Student, name="reached_student"),
        aliased(ToolUse, name="reaching_use"),
        aliased(Enrollment, name="reaching_enrollment"),
    )


def reaches(
    today: date, *, student_id: ColumnElement, tool_id: ColumnElement, section_id=None
) -> ColumnElement[bool]:
    """SQL condition on an outer query's columns: a current use of the tool reaches the student.
    With `section_id`, only through that section or a wider use (what its teachers act on)."""
    student, use, enrollment = _reaching_aliases()
    in_class = exists().where(
        enrollment.student_id == student.id,
        current_enrollment(today, enrollment),
        _in_section(use, enrollment.section_id),
        *([enrollment.section_id == section_id] if section_id is not None else []),
    )
    return exists().where(
        student.id == student_id,
        student.active.is_(True),
        use.tool_id == tool_id,
        use_is_current(today, use),
        or_(_district(use), _at_school(use, student.school_id), in_class),
    )


def teachers_reached(
    today: date,
    *,
    students: Students = None,
    tool_id: int | None = None,
    pairs: Select | None = None,
) -> Select:
    """(student_id, tool_id, staff_id): the active teachers who act on a tool for a student — of
    the sections that use it, or of every current section for a district- or school-wide use."""
    reached = reach(today, students=students, tool_id=tool_id, pairs=pairs).subquery("reach")
    return (
        select(reached.c.student_id, reached.c.tool_id, Staff.id.label("staff_id"))
        .select_from(reached)
        .join(
            Enrollment,
            and_(
                Enrollment.student_id == reached.c.student_id,
                current_enrollment(today),
                or_(reached.c.section_id.is_(None), Enrollment.section_id == reached.c.section_id),
            ),
        )
        .join(section_teacher, section_teacher.c.section_id == Enrollment.section_id)
        .join(Staff, and_(Staff.id == section_teacher.c.staff_id, Staff.active.is_(True)))
        .distinct()
    )


def reaches_student(student_id: int, tool_id: int, today: date) -> bool:
    """Whether a current use of the tool reaches the student today (one query)."""
    reached = reach(today, students=[student_id], tool_id=tool_id).subquery("reach")
    return db.session.scalar(select(exists().where(reached.c.student_id == student_id))) or False
