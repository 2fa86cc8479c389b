"""Who sees which records request and disclosure (see the package docstring for the rule).

A guardian holding FERPA rights sees the requests about their own children (relatives, who
only see, do not); a principal those of their school's students; the privacy office all;
teachers none. Disclosures: the privacy office and the student's principal; the family reads
them on the "Who has my child's data" page, never one the order forbids telling.
"""

from sqlalchemy import Select, false, select, true

from consent.access.links import deciding_link
from consent.access.policy import can_file_for, deny, reads_are_audited, visible_student_ids
from consent.accounts.models import Account, Role
from consent.audit.operations import record
from consent.extensions import db
from consent.records.models import Disclosure, RecordsRequest
from consent.roster.models import GuardianLink


def rights_student_ids(actor: Account) -> Select:
    """The ids of the students for whom the guardian holds FERPA rights on an active link."""
    return select(GuardianLink.student_id).where(
        GuardianLink.guardian_id == actor.guardian_id,
        deciding_link(),
    )


def _records_condition(actor: Account, column):
    role = actor.role
    if role is Role.GUARDIAN:
        return column.in_(rights_student_ids(actor))
    if role is Role.PRINCIPAL:
        return column.in_(visible_student_ids(actor))
    if role is Role.PRIVACY_OFFICER:
        return true()
    return false()


def visible_records_requests(actor: Account) -> Select:
    return select(RecordsRequest).where(_records_condition(actor, RecordsRequest.student_id))


def records_request_or_404(
    actor: Account, records_request_id: int, *, action: str | None = "records_request.view"
) -> RecordsRequest:
    """The request if the actor may see it; a staff read is audited, a refusal too."""
    found = db.session.scalar(
        visible_records_requests(actor).where(RecordsRequest.id == records_request_id)
    )
    if found is None:
        deny(actor, f"records_request:{records_request_id}")
    if reads_are_audited(actor) and action:
        record(actor, action, student_id=found.student_id, target=f"records_request:{found.id}")
    return found


def keeps_district_records(actor: Account) -> bool:
    """Disclosures outside the catalog, court orders and a student's tax dependency (which
    decides what parents still see after 18) are recorded by the privacy office."""
    return actor.role is Role.PRIVACY_OFFICER


def may_see_disagreement_statements(actor: Account) -> bool:
    """Staff see the family's statements of disagreement with the child's record, on the
    child's page (34 CFR 99.21: kept and shown with it); the family reads its own on its
    records request."""
    return actor.is_staff


def may_act_for_family(actor: Account, records_request: RecordsRequest) -> bool:
    """Asking for a hearing or adding a statement: a guardian holding rights for the child."""
    return can_file_for(actor, records_request.student_id)


def visible_disclosures(actor: Account) -> Select:
    """Staff lists of disclosures: the privacy office and the student's principal."""
    if actor.role not in (Role.PRINCIPAL, Role.PRIVACY_OFFICER):
        return select(Disclosure).where(false())
    return select(Disclosure).where(_records_condition(actor, Disclosure.student_id))


def disclosure_or_404(
    actor: Account, disclosure_id: int, *, action: str | None = "disclosure.view"
) -> Disclosure:
    found = db.session.scalar(visible_disclosures(actor).where(Disclosure.id == disclosure_id))
    if found is None:
        deny(actor, f"disclosure:{disclosure_id}")
    if action:
        record(actor, action, student_id=found.student_id, target=f"disclosure:{found.id}")
    return found
