"""Who sees which report: the scope of the office's and principals' report pages, and the
family's "who has my child's data" page.

A principal's reports cover their own school, never the district's figures; the privacy office
reports on the whole district or a school it picks; nobody else has reports. The data-sharing
page is for the child's guardians holding FERPA rights; staff have the audit log instead.
"""

from consent.access.forms import signed_in_as
from consent.access.policy import can_file_for, deny, student_or_404
from consent.accounts.models import Account, Role
from consent.extensions import db
from consent.roster.models import School, Student


def may_choose_report_school(actor: Account) -> bool:
    """The privacy office reports on the district or on any school it picks."""
    return signed_in_as(actor, Role.PRIVACY_OFFICER)


def may_see_reports(actor: Account) -> bool:
    return signed_in_as(actor, Role.PRINCIPAL, Role.PRIVACY_OFFICER)


def report_school_or_404(actor: Account, school_id: int | None) -> School | None:
    """The school a report covers, or None for the whole district (the privacy office only).

    A principal always gets their own school: never the district's figures, and asking for
    another school answers like a missing one. Other roles have no reports."""
    if not may_see_reports(actor):
        deny(actor, "reports")
    if not may_choose_report_school(actor):
        own = actor.staff.school
        if school_id is not None and school_id != own.id:
            deny(actor, f"school:{school_id}")
        return own
    if school_id is None:
        return None
    school = db.session.get(School, school_id)
    if school is None:
        deny(actor, f"school:{school_id}")
    return school


def report_form_or_404(actor: Account, form_id: int | None, published: set[int]) -> int:
    """A consent form the reports cover: one of the `published` ones (everyone with reports
    sees the same published forms); a draft or a missing form answers like a missing page."""
    if form_id not in published:
        deny(actor, f"consentform:{form_id}")
    return form_id


def may_see_data_sharing(actor, student_id: int) -> bool:
    """Who received the child's data, and which staff looked: the child's rights holders."""
    return signed_in_as(actor, Role.GUARDIAN) and can_file_for(actor, student_id)


def data_sharing_student_or_404(actor: Account, student_id: int) -> Student:
    if not may_see_data_sharing(actor, student_id):
        deny(actor, f"student:{student_id}:data-sharing")
    return student_or_404(actor, student_id, action=None)
