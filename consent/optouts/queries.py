"""Read-side queries for the opt-out lists; each answers in a fixed number of statements."""

from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import contains_eager, defaultload, lazyload, selectinload

from consent.access import visible_optouts, visible_tasks
from consent.accounts.models import Account
from consent.catalog.models import Tool
from consent.catalog.reach import reaches
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import (
    ACTIVE_STATUSES,
    Event,
    EventKind,
    OptOut,
    OptOutStatus,
    Task,
    TaskStatus,
)
from consent.optouts.rules import overdue_condition
from consent.roster.conditions import current_enrollment
from consent.roster.models import Enrollment, Section, Staff, Student


def _list_row(*through) -> list:
    """A list row shows the request's student (and school) and tool (and part of it), nothing
    more: the filer, the tasks and what the tool collects, which a request loads by default,
    cost a join and three statements on every page of a list. `through`: the path from the
    listed rows to the request (for a task list, Task.optout)."""
    return [
        lazyload(*through, OptOut.filed_by),
        lazyload(*through, OptOut.tasks),
        lazyload(*through, OptOut.tool, Tool.data_categories),
        lazyload(*through, OptOut.tool, Tool.optout_options),
    ]


def request_list(
    actor: Account,
    *,
    today: date,
    status: str = "",
    tool_id: int | None = None,
    school_id: int | None = None,
    overdue: bool = False,
) -> Select:
    """The requests the actor may see, filtered, overdue first, then newest."""
    query = visible_optouts(actor)
    if status:
        query = query.where(OptOut.status == OptOutStatus(status))
    if tool_id:
        query = query.where(OptOut.tool_id == tool_id)
    if school_id:
        query = query.where(
            OptOut.student_id.in_(select(Student.id).where(Student.school_id == school_id))
        )
    if overdue:
        query = query.where(overdue_condition(today))
    late_first = case((overdue_condition(today), 0), else_=1)
    # The page of requests is chosen from the request table alone, and only its 25 rows fetch
    # their student and tool: joined in, every visible request (50,000 for the privacy office)
    # was joined to its student, school and tool before the sort kept 25.
    page_first = (selectinload(OptOut.student), selectinload(OptOut.tool))
    return query.options(*page_first, *_list_row()).order_by(
        late_first, OptOut.filed_at.desc(), OptOut.id.desc()
    )


def teacher_tasks(actor: Account, *, today: date) -> Select:
    """A teacher's open work, overdue first, then by the day the plan is due; finished tasks
    follow."""
    still_open = case((Task.status.in_([TaskStatus.OPEN, TaskStatus.ACKNOWLEDGED]), 0), else_=1)
    late_first = case((overdue_condition(today), 0), else_=1)
    return (
        visible_tasks(actor, today)
        # The teacher is the reader: their own name is not shown on the list.
        .options(contains_eager(Task.optout), lazyload(Task.teacher), *_list_row(Task.optout))
        .where(Task.status != TaskStatus.CLOSED)
        .order_by(still_open, late_first, OptOut.plan_due_on, Task.id)
    )


def return_notes(tasks: list[Task]) -> dict[int, str]:
    """What the principal said when sending each returned plan back, by request: one query for
    a page of tasks, none when no plan on it was returned."""
    returned = {t.optout_id for t in tasks if t.returned}
    if not returned:
        return {}
    rows = db.session.execute(
        select(Event.optout_id, Event.note)
        .where(Event.optout_id.in_(returned), Event.kind == EventKind.RETURNED)
        .order_by(Event.id)
    )
    return dict(rows.all())  # the latest return of each request wins


def section_students(section: Section, *, today: date) -> list[Student]:
    """The section's current students, by family and given name."""
    return list(
        db.session.scalars(
            select(Student)
            .join(Enrollment, Enrollment.student_id == Student.id)
            .where(Enrollment.section_id == section.id, current_enrollment(today))
            .order_by(Student.family_name, Student.given_name, Student.id)
        ).unique()
    )


def section_optouts(section: Section, *, today: date) -> list[OptOut]:
    """Active opt-outs of the section's current students, for tools that reach them in this
    section or district- or school-wide (`consent.catalog.reach`): the list a teacher checks
    before a live lesson."""
    students_now = select(Enrollment.student_id).where(
        Enrollment.section_id == section.id, current_enrollment(today)
    )
    # Through this class, or district- or school-wide (the teachers routing gives a task to).
    reaches_section = reaches(
        today, student_id=OptOut.student_id, tool_id=OptOut.tool_id, section_id=section.id
    )
    return list(
        db.session.scalars(
            select(OptOut)
            .join(Student, Student.id == OptOut.student_id)
            .where(
                OptOut.student_id.in_(students_now),
                OptOut.status.in_(ACTIVE_STATUSES),
                reaches_section,
            )
            .order_by(Student.family_name, Student.given_name, OptOut.id)
            # The list names each tool and the part of it opted out of: not what it collects
            # nor its opt-out options.
            .options(
                defaultload(OptOut.tool).lazyload(Tool.data_categories),
                defaultload(OptOut.tool).lazyload(Tool.optout_options),
            )
        ).unique()
    )


#: The notice a principal gets when a request is routed to them (filed, or the child moved).
PRINCIPAL_NOTICE = "optouts/filed_principal"


def routed_to(optout: OptOut) -> tuple[list[Staff], list[Staff]]:
    """Everyone the request was routed to, for its receipt: the teachers given a task (in any
    status since) and the principals told of it, from the routing rows themselves."""
    teachers = [task.teacher for task in optout.tasks]
    principals = list(
        db.session.scalars(
            select(Staff)
            .where(
                Staff.id.in_(
                    select(Notification.staff_id).where(
                        Notification.optout_id == optout.id,
                        Notification.kind == PRINCIPAL_NOTICE,
                    )
                )
            )
            .order_by(Staff.family_name, Staff.given_name, Staff.id)
        )
    )
    return teachers, principals


def active_counts_of_tool(tool_id: int) -> dict[OptOutStatus, int]:
    """How many of the tool's requests are in each status not yet ended (one statement)."""
    rows = db.session.execute(
        select(OptOut.status, func.count())
        .where(OptOut.tool_id == tool_id, OptOut.status.in_(ACTIVE_STATUSES))
        .group_by(OptOut.status)
    )
    counts = dict(rows.all())
    return {status: counts[status] for status in ACTIVE_STATUSES if counts.get(status)}
