"""Rights pass to the student at 18 (34 CFR 99.5): the daily job and the office's mark.

On the 18th birthday, by the district's calendar, the student becomes an eligible student. They
get a guardian record of their own (`Guardian.student_id` names them) linked to themselves with
the rights, and an invitation to their own account: the guardian pages, for themselves. What the
parents' links still allow from then on is decided by `consent.access.links` (nothing on the
parents' links is rewritten, so no roster import can undo it): they no longer decide, and they
no longer see unless the district marks the student a dependent for tax purposes (99.31(a)(8)).
Requests and answers already given stay valid; the student may now change them. Everyone is
told, each in their language, by email and in the inbox. Running the job again changes nothing.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consent.access import deciding_link, seeing_link
from consent.access.records import keeps_district_records
from consent.accounts.invitations import make_token
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.core import clock
from consent.core.errors import DomainError
from consent.extensions import db
from consent.notifications.operations import notify
from consent.optouts.models import ACTIVE_STATUSES, OptOut, OptOutRequester
from consent.roster.models import Guardian, GuardianLink, Relationship, Student
from consent.webhooks.models import WebhookEvent
from consent.webhooks.operations import enqueue, stamp

log = logging.getLogger(__name__)

ADULT_AGE = 18


class RightsError(DomainError):
    """A refused change to who holds a student's rights."""


@dataclass
class EligibleReport:
    students: list[int] = field(default_factory=list)  # ids of the students who turned 18
    invited: int = 0
    without_email: int = 0  # the roster gives the student no address: reach them at school
    email_taken: int = 0  # the address already signs in to another account
    guardians_told: int = 0


def born_on_or_before(today: date) -> date:
    """The latest birth date of someone 18 or older on `today`. A 29 February birthday counts
    from 1 March in a year without one."""
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # today is 29 February; 18 years ago had none
        return date(today.year - ADULT_AGE, 2, 28)


def students_turning_eligible(today: date):
    """Students 18 or older on `today` whose rights have not passed yet (a student the job missed
    on the day, or whose birth date arrived late, is caught up the next run)."""
    return select(Student).where(
        Student.active.is_(True),
        Student.birth_date.is_not(None),
        Student.birth_date <= born_on_or_before(today),
        Student.eligible_on.is_(None),
    )


def pass_rights(*, today: date) -> EligibleReport:
    """The daily job: every student who is 18 by the district's `today` becomes an eligible
    student. Writes in the caller's transaction (flush, no commit)."""
    report = EligibleReport()
    taken = {email.lower() for email in db.session.scalars(select(func.lower(Account.email)))}
    for student in db.session.scalars(students_turning_eligible(today).order_by(Student.id)):
        _become_eligible(student, today=today, taken=taken, report=report)
    db.session.flush()
    log.info("rights passed to %s students; invited %s", len(report.students), report.invited)
    return report


def _become_eligible(student: Student, *, today: date, taken: set, report: EligibleReport):
    parents = list(
        db.session.scalars(
            select(Guardian)
            .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
            .where(GuardianLink.student_id == student.id, seeing_link(), Guardian.active.is_(True))
            .order_by(GuardianLink.id)
        )
    )
    deciding = set(
        db.session.scalars(
            select(GuardianLink.guardian_id).where(
                GuardianLink.student_id == student.id, deciding_link()
            )
        )
    )
    language = next(
        (p.preferred_language for p in parents if p.id in deciding),
        parents[0].preferred_language if parents else "en",
    )
    own = Guardian(
        sourced_id=f"eligible-student:{student.sourced_id}"[:255],
        given_name=student.given_name,
        family_name=student.family_name,
        email=student.email or None,
        preferred_language=language,
        student_id=student.id,
        active=True,
    )
    db.session.add(own)
    db.session.flush()
    db.session.add(
        GuardianLink(
            guardian_id=own.id,
            student_id=student.id,
            relationship_type=Relationship.GUARDIAN,
            has_rights=True,
            active=True,
        )
    )
    student.eligible_on = today
    # The opt-outs asked for the child stand, and are the student's from now on: they hear of
    # every step and may withdraw them.
    for optout_id in db.session.scalars(
        select(OptOut.id).where(OptOut.student_id == student.id, OptOut.status.in_(ACTIVE_STATUSES))
    ):
        db.session.add(OptOutRequester(optout_id=optout_id, guardian_id=own.id))
    db.session.flush()
    record(None, "student.rights_passed", student_id=student.id, target=f"student:{student.id}")
    _tell_systems(student, "rights_at_18")
    report.students.append(student.id)

    invitation = None
    if not own.email:
        report.without_email += 1
    elif own.email.lower() in taken:
        report.email_taken += 1
    else:
        taken.add(own.email.lower())
        invitation = f"/invitation/{make_token(guardian=own)}"
        report.invited += 1
    notify(
        template="rights/eligible_student",
        link=invitation or "/children",
        guardian=own,
        student=student,
        invitation=invitation is not None,
    )
    for parent in parents:
        notify(
            template="rights/rights_passed",
            link="/children",
            guardian=parent,
            student=student,
            still_sees=student.tax_dependent,
        )
        report.guardians_told += 1


def _tell_systems(student: Student, change: str) -> None:
    """Systems subscribed to rights changes hear of it in this transaction (ids only)."""
    enqueue(
        WebhookEvent.RIGHTS_CHANGED,
        {"change": change, "student_sourced_id": student.sourced_id, "at": stamp(clock.now())},
        school_id=student.school_id,
    )


def mark_tax_dependent(*, actor: Account, student: Student, dependent: bool) -> Student:
    """The office marks (or unmarks) a student a dependent for tax purposes (99.31(a)(8)):
    after 18 the parents may then still see the student's records, but not decide."""
    if actor is not None and not keeps_district_records(actor):
        raise RightsError(_l("Only the privacy office marks a student a tax dependent."))
    if student.tax_dependent == dependent:
        return student
    student.tax_dependent = dependent
    db.session.flush()
    record(
        actor,
        "student.tax_dependent" if dependent else "student.not_tax_dependent",
        student_id=student.id,
        target=f"student:{student.id}",
    )
    _tell_systems(student, "tax_dependent" if dependent else "not_tax_dependent")
    return student
