"""Every change to a records request or the disclosure log: each checks the step, writes the
timeline event, the audit row and the notifications in the caller's transaction, and flushes.
The caller commits once."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consent.access import deciding_link
from consent.access.policy import files_for_self, may_decide_requests
from consent.access.records import keeps_district_records
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.core import clock
from consent.extensions import db
from consent.notifications.operations import notify
from consent.records import events, queries
from consent.records.models import (
    AvailableHow,
    DisagreementStatement,
    Disclosure,
    DisclosureBasis,
    LinkRestriction,
    RecordsRequest,
    RecordsStatus,
    RequestKind,
    RestrictionScope,
)
from consent.records.rules import RecordsError, allowed_days, check_transition, due_on
from consent.roster.models import Guardian, GuardianLink, Student
from consent.roster.staff import principals_of, privacy_officers
from consent.schoolcalendar.days import closures_from
from consent.webhooks.models import WebhookEvent
from consent.webhooks.operations import enqueue, stamp

TEXT_MAX = 4000


def link(records_request: RecordsRequest) -> str:
    return f"/records-requests/{records_request.id}"


def _move(records_request: RecordsRequest, target: RecordsStatus, event, *, actor, **details):
    """Move the request along TRANSITIONS and write the move's line on the timeline
    (`consent.records.events`)."""
    check_transition(records_request.status, target)
    moved_from = records_request.status
    records_request.status = target
    return event(records_request, actor=actor, moved_from=moved_from, **details)


# --- who is told -----------------------------------------------------------------------------


def notify_family(records_request: RecordsRequest, template: str, **context) -> None:
    guardian = queries.filer_if_rights_holder(records_request)
    if guardian is not None:
        notify(
            template=template,
            link=link(records_request),
            guardian=guardian,
            records_request=records_request,
            **context,
        )


def notify_office(records_request: RecordsRequest, template: str, **context) -> None:
    """The privacy office and the student's principals."""
    people = {s.id: s for s in privacy_officers()}
    people |= {s.id: s for s in principals_of(records_request.student.school_id)}
    for person in people.values():
        notify(
            template=template,
            link=link(records_request),
            staff=person,
            records_request=records_request,
            **context,
        )


def _audit(actor, action: str, records_request: RecordsRequest) -> None:
    record(
        actor,
        f"records_request.{action}",
        student_id=records_request.student_id,
        target=f"records_request:{records_request.id}",
    )


def _text(value: str | None, *, required=None) -> str:
    value = (value or "").strip()
    if required is not None and not value:
        raise RecordsError(required)
    if len(value) > TEXT_MAX:
        raise RecordsError(_l("Keep it under %(n)s characters.", n=TEXT_MAX))
    return value


def _require_family(actor: Account) -> None:
    if not files_for_self(actor):
        raise RecordsError(_l("Only a parent or guardian with rights can do this."))


def _require_office(actor: Account) -> None:
    if not may_decide_requests(actor):
        raise RecordsError(_l("Only a principal or the privacy office can do this."))


def _due(start: date, setting: str) -> date:
    return due_on(start, allowed_days(setting), closures_from(start, 60))


# --- the family ------------------------------------------------------------------------------


def file_records_request(
    *,
    actor: Account,
    student: Student,
    kind: RequestKind,
    records_sought: str = "",
    record_description: str = "",
    what_is_wrong: str = "",
    should_say: str = "",
) -> RecordsRequest:
    """A rights holder asks to inspect the child's records, or to amend one of them; the
    privacy office and the principal are told, with the due date."""
    _require_family(actor)
    kind = RequestKind(kind)
    if kind is RequestKind.INSPECT:
        fields = {
            "records_sought": _text(
                records_sought, required=_l("Say which records you want to see.")
            )
        }
        setting = "RECORDS_INSPECT_DAYS"
    else:
        fields = {
            "record_description": _text(
                record_description, required=_l("Say which record you want changed.")
            ),
            "what_is_wrong": _text(what_is_wrong, required=_l("Say what is wrong in the record.")),
            "should_say": _text(should_say),
        }
        setting = "RECORDS_AMEND_DAYS"
    today = clock.today()
    records_request = RecordsRequest(
        kind=kind,
        status=RecordsStatus.SUBMITTED,
        student_id=student.id,
        filed_by_guardian_id=actor.guardian_id,
        filed_at=clock.now(),
        filed_on=today,
        due_on=_due(today, setting),
        **fields,
    )
    db.session.add(records_request)
    db.session.flush()
    events.filed(records_request, actor=actor)
    _audit(actor, "file", records_request)
    notify_family(records_request, "records/receipt")
    notify_office(records_request, "records/staff_news", news="filed")
    db.session.flush()
    return records_request


def request_hearing(*, actor: Account, records_request: RecordsRequest) -> None:
    """After a refusal the family asks for a hearing (99.21(a)); it is owed within the days
    the district allows."""
    _require_family(actor)
    _move(records_request, RecordsStatus.HEARING_REQUESTED, events.hearing_requested, actor=actor)
    records_request.hearing_requested_at = clock.now()
    records_request.due_on = _due(clock.today(), "RECORDS_HEARING_DAYS")
    _audit(actor, "request_hearing", records_request)
    notify_family(records_request, "records/update", news="hearing_requested")
    notify_office(records_request, "records/staff_news", news="hearing_requested")
    db.session.flush()


def add_statement(*, actor: Account, records_request: RecordsRequest, text: str) -> None:
    """After the hearing upheld the refusal, the family's statement is kept with the record
    (99.21(b)(2)) and shown wherever the record is shown or disclosed."""
    _require_family(actor)
    if records_request.status is not RecordsStatus.REFUSAL_UPHELD:
        raise RecordsError(
            _l("A statement can be added only after a hearing kept the record unchanged.")
        )
    if records_request.statement is not None:
        raise RecordsError(_l("A statement is already kept with this record."))
    db.session.add(
        DisagreementStatement(
            records_request_id=records_request.id,
            student_id=records_request.student_id,
            record_description=records_request.record_description,
            text=_text(text, required=_l("Write your statement.")),
            guardian_id=actor.guardian_id,
            filed_at=clock.now(),
        )
    )
    events.statement_added(records_request, actor=actor)
    _audit(actor, "add_statement", records_request)
    db.session.flush()
    db.session.refresh(records_request, ["statement"])
    notify_family(records_request, "records/update", news="statement_added")
    notify_office(records_request, "records/staff_news", news="statement_added")
    db.session.flush()


# --- the privacy office and the principal ----------------------------------------------------


HOW_WORDS = {
    AvailableHow.IN_PERSON: "in person",
    AvailableHow.COPIES: "copies",
    AvailableHow.PORTAL: "portal",
}


def make_available(
    *, actor: Account, records_request: RecordsRequest, how: AvailableHow, on: date
) -> None:
    """Inspection: the records were made available (in person, as copies, on a portal)."""
    _require_office(actor)
    if records_request.kind is not RequestKind.INSPECT:
        raise RecordsError(_l("Only a request to see records is answered this way."))
    if on < records_request.filed_on or on > clock.today():
        raise RecordsError(_l("Give a day between the request and today."))
    how = AvailableHow(how)
    _move(
        records_request,
        RecordsStatus.MADE_AVAILABLE,
        events.made_available,
        actor=actor,
        note=f"{HOW_WORDS[how]}, {on.isoformat()}",
    )
    records_request.available_how = how
    records_request.available_on = on
    _end(records_request)
    _audit(actor, "make_available", records_request)
    notify_family(records_request, "records/update", news="made_available")
    db.session.flush()


def grant_amendment(*, actor: Account, records_request: RecordsRequest, change_made: str) -> None:
    """The record is amended as asked (99.20(b)); the family is told what changed."""
    _require_office(actor)
    _require_amendment(records_request)
    change_made = _text(change_made, required=_l("Say what was changed in the record."))
    _move(records_request, RecordsStatus.AMENDED, events.amended, actor=actor, note=change_made)
    records_request.change_made = change_made
    _end(records_request)
    _audit(actor, "grant", records_request)
    notify_family(records_request, "records/update", news="amended")
    db.session.flush()


def refuse_amendment(*, actor: Account, records_request: RecordsRequest, reason: str) -> None:
    """The district refuses the amendment, says why, and tells the family of the right to a
    hearing (99.20(c))."""
    _require_office(actor)
    _require_amendment(records_request)
    reason = _text(reason, required=_l("Give the reason for refusing."))
    _move(records_request, RecordsStatus.REFUSED, events.refused, actor=actor, note=reason)
    records_request.refusal_reason = reason
    records_request.due_on = None  # nothing is owed unless the family asks for a hearing
    _audit(actor, "refuse", records_request)
    notify_family(records_request, "records/update", news="refused")
    db.session.flush()


def schedule_hearing(
    *, actor: Account, records_request: RecordsRequest, hearing_on: date, officer: str
) -> None:
    """Set the hearing's date and officer, and give the family notice of them (99.22(b))."""
    _require_office(actor)
    if records_request.status is not RecordsStatus.HEARING_REQUESTED:
        raise RecordsError(_l("A hearing can be set only after the family asked for one."))
    officer = _text(officer, required=_l("Name the hearing officer."))[:255]
    if hearing_on < clock.today():
        raise RecordsError(_l("The hearing cannot be in the past."))
    if records_request.due_on and hearing_on > records_request.due_on:
        raise RecordsError(
            _l("The hearing must be held by %(day)s.", day=records_request.due_on.isoformat())
        )
    records_request.hearing_on = hearing_on
    records_request.hearing_officer = officer
    events.hearing_scheduled(
        records_request, actor=actor, note=f"{hearing_on.isoformat()}, {officer}"
    )
    _audit(actor, "schedule_hearing", records_request)
    notify_family(records_request, "records/update", news="hearing_scheduled")
    db.session.flush()


def decide_hearing(
    *, actor: Account, records_request: RecordsRequest, amend: bool, outcome: str
) -> None:
    """Record the hearing's decision: amend the record, or keep it, with the reasons
    (99.22(g)); when it is kept the family may add a statement of disagreement."""
    _require_office(actor)
    if records_request.status is not RecordsStatus.HEARING_REQUESTED:
        raise RecordsError(_l("This request is not waiting for a hearing."))
    if records_request.hearing_on is None:
        raise RecordsError(_l("Set the hearing's date and officer first."))
    if records_request.hearing_on > clock.today():
        raise RecordsError(_l("The outcome can be recorded once the hearing has been held."))
    outcome = _text(outcome, required=_l("Write the hearing's decision and its reasons."))
    records_request.hearing_outcome = outcome
    if amend:
        _move(records_request, RecordsStatus.AMENDED, events.amended, actor=actor, note=outcome)
        records_request.change_made = outcome
    else:
        _move(
            records_request,
            RecordsStatus.REFUSAL_UPHELD,
            events.refusal_upheld,
            actor=actor,
            note=outcome,
        )
    _end(records_request)
    _audit(actor, "decide_hearing", records_request)
    notify_family(records_request, "records/update", news="amended" if amend else "upheld")
    db.session.flush()


def close(*, actor: Account | None, records_request: RecordsRequest, reason: str) -> None:
    """A request that no longer applies is closed, with the reason, and the family told."""
    if actor is not None:
        _require_office(actor)
    reason = _text(reason, required=_l("Give the reason for closing."))
    _move(records_request, RecordsStatus.CLOSED, events.closed, actor=actor, note=reason)
    records_request.closed_reason = reason
    _end(records_request)
    if actor is not None:
        _audit(actor, "close", records_request)
    notify_family(records_request, "records/update", news="closed")
    db.session.flush()


def _require_amendment(records_request: RecordsRequest) -> None:
    if records_request.kind is not RequestKind.AMEND:
        raise RecordsError(_l("Only a request to change a record is answered this way."))


def _end(records_request: RecordsRequest) -> None:
    records_request.due_on = None
    records_request.ended_at = clock.now()


# --- the disclosure log (99.32) --------------------------------------------------------------


def record_disclosure(
    *,
    actor: Account,
    student: Student,
    recipient: str,
    basis: DisclosureBasis,
    interest: str,
    records: str,
    disclosed_on: date,
    family_may_see: bool = True,
) -> Disclosure:
    """The office records a disclosure made outside the catalog's tools."""
    if not keeps_district_records(actor):
        raise RecordsError(_l("Only the privacy office records disclosures."))
    basis = DisclosureBasis(basis)
    if not family_may_see and basis is not DisclosureBasis.COURT_ORDER:
        raise RecordsError(_l("Only a subpoena or court order can forbid telling the family."))
    if disclosed_on > clock.today():
        raise RecordsError(_l("Record a disclosure once it has been made."))
    disclosure = Disclosure(
        student_id=student.id,
        recipient=_text(recipient, required=_l("Say who received the records."))[:255],
        basis=basis,
        interest=_text(
            interest, required=_l("Give the recipient's interest or the exception's details.")
        ),
        records=_text(records, required=_l("Say which records were disclosed.")),
        disclosed_on=disclosed_on,
        family_may_see=family_may_see,
        recorded_by_account_id=actor.id,
        recorded_at=clock.now(),
    )
    db.session.add(disclosure)
    db.session.flush()
    record(actor, "disclosure.record", student_id=student.id, target=f"disclosure:{disclosure.id}")
    db.session.flush()
    return disclosure


# --- court orders and custody (99.4) ---------------------------------------------------------

NO_LONGER_APPLIES = _l("The request no longer applies.")


def restrict_link(
    *,
    actor: Account,
    link: GuardianLink,
    reference: str,
    ordered_on: date,
    removes: RestrictionScope,
    tell_other_guardians: bool = False,
) -> LinkRestriction:
    """A court order or other legally binding document restricts one guardian's link: access
    (all rights) or decisions end at once, the open requests only that guardian filed for the
    child are closed without naming the order, and the other guardians hear nothing unless the
    office chooses to tell them."""
    if not keeps_district_records(actor):
        raise RecordsError(_l("Only the privacy office records a court order."))
    if db.session.scalar(
        select(LinkRestriction.id).where(LinkRestriction.guardian_link_id == link.id)
    ):
        raise RecordsError(_l("A court order is already recorded for this parent and child."))
    if ordered_on > clock.today():
        raise RecordsError(_l("Give the date of the order, not a later one."))
    removes = RestrictionScope(removes)
    restriction = LinkRestriction(
        guardian_link_id=link.id,
        student_id=link.student_id,
        reference=_text(reference, required=_l("Give the order's reference."))[:255],
        ordered_on=ordered_on,
        removes=removes,
        other_guardians_told=tell_other_guardians,
        recorded_by_account_id=actor.id,
        recorded_at=clock.now(),
    )
    db.session.add(restriction)
    link.has_rights = False
    if removes is RestrictionScope.ALL_RIGHTS:
        link.active = False
    db.session.flush()
    record(
        actor,
        "guardian_link.restrict",
        student_id=link.student_id,
        target=f"guardian_link:{link.id}",
    )
    enqueue(
        WebhookEvent.RIGHTS_CHANGED,
        {
            "change": "link_restricted",
            "student_sourced_id": link.student.sourced_id,
            "guardian_sourced_id": link.guardian.sourced_id,
            "removes": removes.value,
            "at": stamp(restriction.recorded_at),
        },
        school_id=link.student.school_id,
    )
    _close_requests_filed_only_by(actor, link)
    if tell_other_guardians:
        for other in _other_rights_holders(link):
            notify(
                template="records/link_restricted",
                link=f"/students/{link.student_id}",
                guardian=other,
                student=link.student,
                restriction=restriction,
            )
    db.session.flush()
    return restriction


def _close_requests_filed_only_by(actor: Account, link: GuardianLink) -> None:
    from consent.optouts import operations as optouts
    from consent.optouts.models import OPEN_STATUSES as OPTOUT_OPEN
    from consent.optouts.models import OptOut, OptOutRequester

    reason = str(NO_LONGER_APPLIES)
    for records_request in db.session.scalars(
        select(RecordsRequest).where(
            RecordsRequest.student_id == link.student_id,
            RecordsRequest.filed_by_guardian_id == link.guardian_id,
            RecordsRequest.status.in_(
                [RecordsStatus.SUBMITTED, RecordsStatus.REFUSED, RecordsStatus.HEARING_REQUESTED]
            ),
        )
    ):
        close(actor=actor, records_request=records_request, reason=reason)
    others = select(OptOutRequester.id).where(
        OptOutRequester.optout_id == OptOut.id,
        OptOutRequester.guardian_id != link.guardian_id,
    )
    for optout in db.session.scalars(
        select(OptOut).where(
            OptOut.student_id == link.student_id,
            OptOut.filed_by_guardian_id == link.guardian_id,
            OptOut.status.in_(OPTOUT_OPEN),
            ~others.exists(),
        )
    ).unique():
        optouts.close(actor=actor, optout=optout, reason=reason)


def _other_rights_holders(link: GuardianLink) -> list[Guardian]:
    return list(
        db.session.scalars(
            select(Guardian)
            .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
            .where(
                GuardianLink.student_id == link.student_id,
                GuardianLink.id != link.id,
                deciding_link(),
            )
            .order_by(Guardian.id)
        )
    )
