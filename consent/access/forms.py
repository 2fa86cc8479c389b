"""Who may see and do what with consent forms and their answers.

The privacy office writes, publishes and follows every form; a principal follows the published
ones for their own school and enters the paper and phone answers its families give; a guardian
answers the published forms their child is in scope for. Predicates are plain functions of the
actor; loaders answer a forbidden form exactly like a missing one and audit the refusal.
"""

from datetime import date

from sqlalchemy import Select, select

from consent.access.policy import deny, student_or_404, visible_student_ids
from consent.accounts.models import Account, Role
from consent.consentforms.models import ConsentForm, FormStatus
from consent.consentforms.scope import in_scope, student_in_scope, students_in_scope
from consent.extensions import db
from consent.roster.conditions import current_enrollment
from consent.roster.models import Enrollment, Section, Student


def signed_in_as(actor, *roles: Role) -> bool:
    """Also answers for an anonymous visitor (who has no role), so templates may ask."""
    return bool(getattr(actor, "is_authenticated", False)) and actor.role in roles


def may_manage_forms(actor: Account) -> bool:
    """Write, edit and publish forms, see drafts, follow every school: the privacy office."""
    return signed_in_as(actor, Role.PRIVACY_OFFICER)


def may_follow_answers(actor: Account) -> bool:
    """See a form's coverage and answers, and enter paper or phone ones: school leads."""
    return signed_in_as(actor, Role.PRINCIPAL, Role.PRIVACY_OFFICER)


def answers_on_the_web(actor: Account) -> bool:
    """A guardian answers their children's forms themselves; staff pages show no such list."""
    return signed_in_as(actor, Role.GUARDIAN)


def may_see_release_answers(actor: Account) -> bool:
    """The answers of the forms marked "staff must see this" (directory information, photos,
    releases, tool consents), on a child's page: every staff member who sees the child."""
    return signed_in_as(actor, Role.TEACHER, Role.PRINCIPAL, Role.PRIVACY_OFFICER)


def may_enter_class_answers(actor: Account) -> bool:
    """Enter a class's paper answers: a teacher (for their own classes, see `section_or_404`),
    the principal (their school's) and the privacy office (any)."""
    return signed_in_as(actor, Role.TEACHER, Role.PRINCIPAL, Role.PRIVACY_OFFICER)


def may_see_form(actor: Account, form: ConsentForm) -> bool:
    """The privacy office sees every form; a principal only published ones; nobody else."""
    if may_manage_forms(actor):
        return True
    return may_follow_answers(actor) and form.status is FormStatus.PUBLISHED


def form_reaches(form: ConsentForm, student_id: int) -> bool:
    """The form asks about this child: published, and the child is in its scope."""
    return form.status is FormStatus.PUBLISHED and student_in_scope(form, student_id)


def answers_school_id(actor: Account) -> int | None:
    """The school whose answers the actor follows; None for the whole district (the office)."""
    if signed_in_as(actor, Role.PRINCIPAL):
        return actor.staff.school_id
    return None


def visible_forms(actor: Account) -> Select:
    """The forms a staff member may list."""
    query = select(ConsentForm)
    if not may_manage_forms(actor):
        query = query.where(ConsentForm.status == FormStatus.PUBLISHED)
    return query


def visible_form_students(actor: Account, form: ConsentForm) -> Select:
    """Students in the form's scope whose answers the actor may see (a principal: own school)."""
    query = students_in_scope(form.id, answers_school_id(actor))
    if not may_manage_forms(actor):
        query = query.where(Student.id.in_(visible_student_ids(actor)))
    return query


def staff_form_or_404(actor: Account, form_id: int) -> ConsentForm:
    """A form on the staff pages; a draft shown to a principal answers like a missing one."""
    form = db.session.get(ConsentForm, form_id)
    if form is None or not may_see_form(actor, form):
        deny(actor, f"consentform:{form_id}")
    return form


def answerable_form_or_404(actor: Account, form_id: int, student: Student) -> ConsentForm:
    """For a guardian's child already loaded through access: a published form the child is in
    scope for. Any other form answers like a missing one."""
    form = db.session.get(ConsentForm, form_id)
    if form is None or not form_reaches(form, student.id):
        deny(actor, f"consentform:{form_id}", student.id)
    return form


def form_student_or_404(
    actor: Account, form: ConsentForm, student_id: int, *, action: str | None
) -> Student:
    """A student the actor may see and the form asks about (staff entering an answer); a staff
    read is audited with `action`."""
    student = student_or_404(actor, student_id, action=action)
    if not form_reaches(form, student.id):
        deny(actor, f"consentform:{form.id}", student.id)
    return student


def class_form_or_404(actor: Account, form_id: int) -> ConsentForm:
    """A published form whose paper answers staff enter for a class they may see; a draft, a
    missing form, or someone who may not enter answers meets a 404."""
    form = db.session.get(ConsentForm, form_id)
    if (
        form is None
        or form.status is not FormStatus.PUBLISHED
        or not may_enter_class_answers(actor)
    ):
        deny(actor, f"consentform:{form_id}")
    return form


def class_form_students(actor: Account, section: Section, form_id, today: date) -> Select:
    """Students in the class today whom the form asks about and the actor may see.

    `form_id` may be a column (`ConsentForm.id`) to correlate with."""
    in_class = select(Enrollment.student_id).where(
        Enrollment.section_id == section.id, current_enrollment(today)
    )
    query = select(Student).where(Student.id.in_(in_class), in_scope(form_id))
    if not may_manage_forms(actor):
        query = query.where(Student.id.in_(visible_student_ids(actor, today)))
    return query
