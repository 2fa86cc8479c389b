"""Who may see or do what with the General Use Guidelines and re-reviews: the office keeps the
checklist and watches re-reviews; a class's own teacher starts a use of a tool pending review;
the teacher sees their own guideline uses, a principal their school's, the office every one."""

from sqlalchemy import Select, exists, select

from consent.accounts.models import Account, Role
from consent.guidelines.models import GuidelineUse
from consent.roster.models import Section


def may_keep_guidelines(actor: Account) -> bool:
    """The privacy office writes the district's checklist."""
    return actor.role is Role.PRIVACY_OFFICER


def may_follow_rereviews(actor: Account) -> bool:
    """The privacy office follows which approved tools are due to return to the committee."""
    return actor.role is Role.PRIVACY_OFFICER


def may_use_under_guidelines(actor: Account, section: Section) -> bool:
    """Only a class's own teacher answers the checklist for it: the use is their judgement about
    their lesson (a pending tool is never used school- or district-wide)."""
    return actor.role is Role.TEACHER and any(t.id == actor.staff_id for t in section.teachers)


def may_list_guideline_uses(actor: Account) -> bool:
    return actor.role in (Role.TEACHER, Role.PRINCIPAL, Role.PRIVACY_OFFICER)


def visible_guideline_uses(actor: Account) -> Select:
    """Every use for the office; those in the principal's school; a teacher's own; none else."""
    query = select(GuidelineUse)
    if actor.role is Role.PRIVACY_OFFICER:
        return query
    if actor.role is Role.PRINCIPAL and actor.staff is not None:
        return query.where(
            exists().where(
                Section.id == GuidelineUse.section_id,
                Section.school_id == actor.staff.school_id,
            )
        )
    if actor.role is Role.TEACHER:
        return query.where(GuidelineUse.teacher_account_id == actor.id)
    return query.where(False)
