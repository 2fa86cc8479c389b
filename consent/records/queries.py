"""Read-side queries for records requests and disclosures; each is one statement."""

from datetime import date

from sqlalchemy import Select, case, or_, select

from consent.access import deciding_link, visible_disclosures, visible_records_requests
from consent.accounts.models import Account
from consent.extensions import db
from consent.records.models import (
    DisagreementStatement,
    Disclosure,
    LinkRestriction,
    RecordsRequest,
    RecordsStatus,
    RequestKind,
)
from consent.records.rules import overdue_condition
from consent.roster.models import Guardian, GuardianLink, Student


def request_list(
    actor: Account,
    *,
    today: date,
    status: str = "",
    kind: str = "",
    school_id: int | None = None,
    overdue: bool = False,
) -> Select:
    """The records requests the actor may see, filtered, overdue first, then soonest due."""
    query = visible_records_requests(actor)
    if status:
        query = query.where(RecordsRequest.status == RecordsStatus(status))
    if kind:
        query = query.where(RecordsRequest.kind == RequestKind(kind))
    if school_id:
        query = query.where(
            RecordsRequest.student_id.in_(select(Student.id).where(Student.school_id == school_id))
        )
    if overdue:
        query = query.where(overdue_condition(today))
    late_first = case((overdue_condition(today), 0), else_=1)
    no_due_last = case((RecordsRequest.due_on.is_(None), 1), else_=0)
    return query.order_by(late_first, no_due_last, RecordsRequest.due_on, RecordsRequest.id.desc())


def family_requests(actor: Account) -> list[RecordsRequest]:
    """A guardian's page: the requests about the children they hold rights for, newest first."""
    return list(
        db.session.scalars(
            visible_records_requests(actor).order_by(
                RecordsRequest.filed_at.desc(), RecordsRequest.id.desc()
            )
        ).unique()
    )


def statements_for(student_id: int) -> list[DisagreementStatement]:
    """Statements of disagreement kept with the student's records, to show with them."""
    return list(
        db.session.scalars(
            select(DisagreementStatement)
            .where(DisagreementStatement.student_id == student_id)
            .order_by(DisagreementStatement.id)
        )
    )


def disclosure_list(actor: Account) -> Select:
    return visible_disclosures(actor).order_by(Disclosure.disclosed_on.desc(), Disclosure.id.desc())


def disclosures_family_sees(student_id: int) -> list[Disclosure]:
    """For "Who has my child's data": every recorded disclosure except one under an order that
    forbids telling the family."""
    return list(
        db.session.scalars(
            select(Disclosure)
            .where(Disclosure.student_id == student_id, Disclosure.family_may_see.is_(True))
            .order_by(Disclosure.disclosed_on.desc(), Disclosure.id.desc())
        )
    )


def filer_if_rights_holder(records_request: RecordsRequest) -> Guardian | None:
    """The guardian who filed, while they still hold rights for the child: a parent whose
    rights a court order removed hears nothing more about the child. Once the rights passed to
    the student (99.5), the request is theirs: the student's own record hears instead."""
    return db.session.scalar(
        select(Guardian)
        .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .where(
            or_(
                Guardian.id == records_request.filed_by_guardian_id,
                Guardian.student_id == records_request.student_id,
            ),
            GuardianLink.student_id == records_request.student_id,
            deciding_link(),
        )
        .order_by(Guardian.student_id.is_not(None))  # the filer first, while they may decide
        .limit(1)
    )


def links_with_restrictions(student_id: int) -> list[tuple[GuardianLink, LinkRestriction | None]]:
    """The child's guardian links, each with the court order restricting it, if any."""
    return list(
        db.session.execute(
            select(GuardianLink, LinkRestriction)
            .outerjoin(LinkRestriction, LinkRestriction.guardian_link_id == GuardianLink.id)
            .where(GuardianLink.student_id == student_id)
            .order_by(GuardianLink.id)
        ).all()
    )
