"""Access scopes and loaders (see the package docstring for the rule)."""

from datetime import date

from flask import abort
from sqlalchemy import Select, exists, false, select, true

from consent.access.links import deciding_link, seeing_link
from consent.accounts.models import Account, Role
from consent.audit.operations import record, record_denied, record_many
from consent.core import clock
from consent.db import in_select
from consent.extensions import db
from consent.optouts.models import OptOut, Task
from consent.roster.conditions import current_enrollment
from consent.roster.models import (
    Enrollment,
    GuardianLink,
    Section,
    Student,
    section_teacher,
)


def visible_student_ids(actor: Account, today: date | None = None) -> Select:
    """A SELECT of the ids of every student the actor may see."""
    today = today or clock.today()
    role = actor.role
    if role is Role.GUARDIAN:
        return select(GuardianLink.student_id).where(
            GuardianLink.guardian_id == actor.guardian_id, seeing_link()
        )
    if role is Role.TEACHER:
        return (
            select(Enrollment.student_id)
            .join(section_teacher, section_teacher.c.section_id == Enrollment.section_id)
            .where(section_teacher.c.staff_id == actor.staff_id, current_enrollment(today))
        )
    if role is Role.PRINCIPAL:
        return select(Student.id).where(Student.school_id == actor.staff.school_id)
    if role is Role.PRIVACY_OFFICER:
        return select(Student.id)
    return select(Student.id).where(false())


def _student_condition(actor: Account, column, today: date | None = None):
    if actor.role is Role.PRIVACY_OFFICER:
        return true()
    # Read through the column's index for the visible students only: a principal's 760
    # students would otherwise be hash-joined with every request of the district.
    return in_select(column, visible_student_ids(actor, today))


def visible_students(actor: Account) -> Select:
    return select(Student).where(_student_condition(actor, Student.id))


def can_see_student(actor: Account, student_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(Student.id == student_id, _student_condition(actor, Student.id)))
        )
    )


def can_file_for(actor: Account, student_id: int) -> bool:
    """Only a guardian holding FERPA rights for the student may file or withdraw requests."""
    if actor.role is not Role.GUARDIAN:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    GuardianLink.guardian_id == actor.guardian_id,
                    GuardianLink.student_id == student_id,
                    deciding_link(),
                )
            )
        )
    )


def files_for_self(actor: Account) -> bool:
    """A family member's own account: files and withdraws requests for their children."""
    return actor.role is Role.GUARDIAN


def may_act_on_task(actor: Account, task: Task) -> bool:
    """Only the teacher a task was routed to acknowledges it and records its plan."""
    return actor.role is Role.TEACHER and task.teacher_id == actor.staff_id


def reads_are_audited(actor: Account) -> bool:
    """Every staff read of a student writes an audit row; a family reading its own child's
    pages does not (its reads are not disclosures)."""
    return actor.is_staff


def may_see_student_number(actor: Account) -> bool:
    """Staff see the district's student number, to match the child in other systems; a family
    knows its child without it."""
    return actor.is_staff


def may_decide_requests(actor: Account) -> bool:
    """Principals and the privacy office confirm, return and close requests."""
    return actor.role in (Role.PRINCIPAL, Role.PRIVACY_OFFICER)


def sees_every_school(actor: Account) -> bool:
    """The privacy office: lists may be filtered by any school of the district."""
    return actor.role is Role.PRIVACY_OFFICER


def deny(actor: Account, target: str, student_id: int | None = None):
    record_denied(actor, target=target, student_id=student_id)
    abort(404)


def role_or_404(actor: Account, *roles: Role, target: str) -> None:
    """Another role meets a missing page, like a forbidden record, and the refusal is audited."""
    if actor.role not in roles:
        deny(actor, target)


def rights_holder_student_or_404(actor: Account, student_id: int) -> Student:
    """The child, for one of the guardians holding FERPA rights only (not relatives, not staff)."""
    if not can_file_for(actor, student_id):
        deny(actor, f"student:{student_id}")
    return student_or_404(actor, student_id, action=None)


def student_or_404(
    actor: Account, student_id: int, *, action: str | None = "student.view"
) -> Student:
    """The student if the actor may see them; staff reads are audited."""
    student = db.session.scalar(
        select(Student).where(Student.id == student_id, _student_condition(actor, Student.id))
    )
    if student is None:
        deny(actor, f"student:{student_id}", None)
    if reads_are_audited(actor) and action:
        record(actor, action, student_id=student.id, target=f"student:{student.id}")
    return student


def visible_optouts(actor: Account) -> Select:
    return select(OptOut).where(_student_condition(actor, OptOut.student_id))


def optout_or_404(actor: Account, optout_id: int, *, action: str | None = "optout.view") -> OptOut:
    optout = db.session.scalar(
        select(OptOut).where(OptOut.id == optout_id, _student_condition(actor, OptOut.student_id))
    )
    if optout is None:
        deny(actor, f"optout:{optout_id}")
    if reads_are_audited(actor) and action:
        record(actor, action, student_id=optout.student_id, target=f"optout:{optout.id}")
    return optout


def optouts_or_404(
    actor: Account, optout_ids, *, action: str | None = "optout.view"
) -> list[OptOut]:
    """Several requests at once (a bulk action), in the order asked, each one the actor may
    see; if any is missing or forbidden the whole answer is a 404. Staff reads are audited."""
    wanted = list(dict.fromkeys(optout_ids))
    found = {
        o.id: o
        for o in db.session.scalars(
            select(OptOut).where(
                OptOut.id.in_(wanted), _student_condition(actor, OptOut.student_id)
            )
        ).unique()
    }
    for optout_id in wanted:
        if optout_id not in found:
            deny(actor, f"optout:{optout_id}")
    optouts = [found[optout_id] for optout_id in wanted]
    if reads_are_audited(actor) and action:
        record_many(actor, action, [o.student_id for o in optouts], target="optouts:bulk")
    return optouts


def visible_tasks(actor: Account, today: date | None = None) -> Select:
    """A teacher's own tasks, and only while the student is still theirs; nobody else has
    tasks. Joined to the request, which lists order and filter by."""
    query = select(Task).join(OptOut, OptOut.id == Task.optout_id)
    if actor.role is not Role.TEACHER:
        return query.where(false())
    return query.where(
        Task.teacher_id == actor.staff_id, _student_condition(actor, OptOut.student_id, today)
    )


def task_or_404(actor: Account, task_id: int, *, action: str | None = "task.view") -> Task:
    """A teacher reaches only their own tasks, and only while the student is theirs."""
    task = db.session.scalar(visible_tasks(actor).where(Task.id == task_id))
    if task is None:
        deny(actor, f"task:{task_id}")
    if action:
        record(actor, action, student_id=task.optout.student_id, target=f"task:{task.id}")
    return task


def visible_sections(actor: Account) -> Select:
    role = actor.role
    query = select(Section)
    if role is Role.TEACHER:
        return query.join(section_teacher).where(section_teacher.c.staff_id == actor.staff_id)
    if role is Role.PRINCIPAL:
        return query.where(Section.school_id == actor.staff.school_id)
    if role is Role.PRIVACY_OFFICER:
        return query
    return query.where(false())


def section_or_404(actor: Account, section_id: int) -> Section:
    section = db.session.scalar(visible_sections(actor).where(Section.id == section_id).limit(1))
    if section is None:
        deny(actor, f"section:{section_id}")
    return section
