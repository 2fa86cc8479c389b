"""Who decides for a child, and which staff may record a family's decision for them.

A guardian holding FERPA rights decides (files, withdraws, answers forms); a relative only sees.
Families may tell the child's teacher, principal or the privacy office instead of using the web:
a staff member who may see the student records it, naming the guardian who asked."""

from sqlalchemy import Select, and_, select

from consent.access.links import deciding_link
from consent.access.policy import can_see_student, deny, student_or_404
from consent.accounts.models import Account, Role
from consent.extensions import db
from consent.roster.models import Guardian, GuardianLink, Student

#: Staff who record what a family told them: the child's teacher, principal, the privacy office.
RECORDING_ROLES = (Role.TEACHER, Role.PRINCIPAL, Role.PRIVACY_OFFICER)


def _rights_link(student_id: int):
    return and_(
        GuardianLink.student_id == student_id,
        deciding_link(),
    )


def deciding_guardians(student_id: int) -> list[Guardian]:
    """The guardians who hold FERPA rights for the child: the only ones staff may name."""
    return list(
        db.session.scalars(
            select(Guardian)
            .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
            .where(_rights_link(student_id))
            .order_by(GuardianLink.id)
        )
    )


def may_decide_for(guardian_id: int, student_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(GuardianLink.id)
            .where(GuardianLink.guardian_id == guardian_id, _rights_link(student_id))
            .limit(1)
        )
    )


def may_record_for_families(actor: Account) -> bool:
    """Teachers, principals and the privacy office record what a family told them, for the
    students they see: the child's page offers it, the recording page lets them in."""
    return actor.role in RECORDING_ROLES


def may_record_for(actor: Account, student_id: int) -> bool:
    """A teacher of the student, the student's principal or the privacy office."""
    return may_record_for_families(actor) and can_see_student(actor, student_id)


def may_print_receipts(actor: Account) -> bool:
    """Whoever records a family's request prints the receipt that goes home with it."""
    return may_record_for_families(actor)


def reads_as_family(actor: Account) -> bool:
    """A parent, guardian, relative or eligible student: the child's page tells them the
    consent asked of the family for each tool and the tool changes the family was told about
    (staff read the consents in the child's release list)."""
    return not actor.is_staff


def recording_student_or_404(
    actor: Account, student_id: int, *, action: str | None = "student.view"
) -> Student:
    """The student a staff member records a family's request for; anyone else meets a 404."""
    if not may_record_for_families(actor):
        deny(actor, f"student:{student_id}:record")
    return student_or_404(actor, student_id, action=action)


def deciding_students(actor: Account) -> Select:
    """The children a guardian may file for: linked, with FERPA rights (not a relative's)."""
    if actor.role is not Role.GUARDIAN:
        return select(Student).where(Student.id.is_(None))
    return (
        select(Student)
        .join(GuardianLink, GuardianLink.student_id == Student.id)
        .where(
            GuardianLink.guardian_id == actor.guardian_id,
            deciding_link(),
        )
    )
