"""Records requests with their timelines, statements of disagreement, and disclosures."""

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column
from consent.roster.models import Guardian, Student


class RequestKind(enum.StrEnum):
    INSPECT = "inspect"  # 99.10: inspect and review the education records
    AMEND = "amend"  # 99.20: amend a record that is inaccurate, misleading or violates privacy


class RecordsStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    MADE_AVAILABLE = "made_available"  # inspection: the records were made available
    AMENDED = "amended"  # amendment granted, before or after a hearing
    REFUSED = "refused"  # amendment refused; the family may ask for a hearing
    HEARING_REQUESTED = "hearing_requested"
    REFUSAL_UPHELD = "refusal_upheld"  # refused after the hearing; a statement may be added
    CLOSED = "closed"  # no longer applies, with a reason


#: Statuses in which the district owes the family a step (and a deadline runs).
OPEN_STATUSES = (RecordsStatus.SUBMITTED, RecordsStatus.HEARING_REQUESTED)

#: The workflow: every allowed (from, to) move. Anything else is refused.
TRANSITIONS: dict[RecordsStatus, frozenset[RecordsStatus]] = {
    RecordsStatus.SUBMITTED: frozenset(
        {
            RecordsStatus.MADE_AVAILABLE,
            RecordsStatus.AMENDED,
            RecordsStatus.REFUSED,
            RecordsStatus.CLOSED,
        }
    ),
    RecordsStatus.REFUSED: frozenset({RecordsStatus.HEARING_REQUESTED, RecordsStatus.CLOSED}),
    RecordsStatus.HEARING_REQUESTED: frozenset(
        {RecordsStatus.AMENDED, RecordsStatus.REFUSAL_UPHELD, RecordsStatus.CLOSED}
    ),
    RecordsStatus.MADE_AVAILABLE: frozenset(),
    RecordsStatus.AMENDED: frozenset(),
    RecordsStatus.REFUSAL_UPHELD: frozenset(),
    RecordsStatus.CLOSED: frozenset(),
}


class RecordsEventKind(enum.StrEnum):
    """What a line of a records request's timeline says happened; stored as its value."""

    FILED = "filed"
    MADE_AVAILABLE = "made_available"
    AMENDED = "amended"
    REFUSED = "refused"
    HEARING_REQUESTED = "hearing_requested"
    HEARING_SCHEDULED = "hearing_scheduled"
    REFUSAL_UPHELD = "refusal_upheld"
    STATEMENT_ADDED = "statement_added"
    CLOSED = "closed"
    # Deadline steps the service takes (consent.records.escalation).
    REMINDED = "reminded"
    ESCALATED = "escalated"


class AvailableHow(enum.StrEnum):
    IN_PERSON = "in_person"
    COPIES = "copies"
    PORTAL = "portal"


class RecordsRequest(Base):
    """A rights holder's request to inspect the child's records, or to amend one of them."""

    __tablename__ = "records_request"
    __table_args__ = (
        CheckConstraint(
            "kind = 'inspect' OR (record_description <> '' AND what_is_wrong <> '')",
            name="amendment_says_what",
        ),
        CheckConstraint(
            "kind = 'amend' OR status IN ('submitted', 'made_available', 'closed')",
            name="inspection_statuses",
        ),
        CheckConstraint("kind = 'inspect' OR status <> 'made_available'", name="amend_statuses"),
        CheckConstraint(
            "status <> 'made_available' "
            "OR (available_how IS NOT NULL AND available_on IS NOT NULL)",
            name="made_available_says_how",
        ),
        CheckConstraint(
            "status NOT IN ('refused', 'hearing_requested', 'refusal_upheld') "
            "OR refusal_reason <> ''",
            name="refusal_has_reason",
        ),
        CheckConstraint(
            "status <> 'refusal_upheld' OR (hearing_on IS NOT NULL AND hearing_officer <> '')",
            name="upheld_after_hearing",
        ),
        CheckConstraint("status <> 'closed' OR closed_reason <> ''", name="closed_has_reason"),
        CheckConstraint("due_on IS NULL OR due_on >= filed_on", name="due_after_filing"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[RequestKind] = mapped_column(enum_column(RequestKind, "records_request_kind"))
    status: Mapped[RecordsStatus] = mapped_column(
        enum_column(RecordsStatus, "records_request_status"),
        default=RecordsStatus.SUBMITTED,
        index=True,
    )
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    filed_by_guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    filed_on: Mapped[date] = mapped_column(Date)  # the district's date of filing
    #: The day the district's next step is owed by; None once nothing is owed.
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    # What the family asks to see (inspection), or the record to amend and how.
    records_sought: Mapped[str] = mapped_column(Text, default="")
    record_description: Mapped[str] = mapped_column(Text, default="")
    what_is_wrong: Mapped[str] = mapped_column(Text, default="")
    should_say: Mapped[str] = mapped_column(Text, default="")
    # Inspection: how and when the records were made available.
    available_how: Mapped[AvailableHow | None] = mapped_column(
        enum_column(AvailableHow, "records_available_how")
    )
    available_on: Mapped[date | None] = mapped_column(Date)
    # Amendment: what changed, or why it was refused.
    change_made: Mapped[str] = mapped_column(Text, default="")
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    # The hearing (99.22): when, who heard it, and what they decided.
    hearing_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hearing_on: Mapped[date | None] = mapped_column(Date)
    hearing_officer: Mapped[str] = mapped_column(String(255), default="")
    hearing_outcome: Mapped[str] = mapped_column(Text, default="")
    closed_reason: Mapped[str] = mapped_column(Text, default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    student: Mapped[Student] = relationship(lazy="joined")
    filed_by: Mapped[Guardian] = relationship(lazy="joined")
    events: Mapped[list["RecordsRequestEvent"]] = relationship(
        lazy="select", order_by="RecordsRequestEvent.id"
    )
    statement: Mapped["DisagreementStatement | None"] = relationship(
        lazy="select", back_populates="records_request"
    )

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<RecordsRequest {self.id} {self.kind} {self.status}>"


class RecordsRequestEvent(Base):
    """One line of a records request's timeline."""

    __tablename__ = "records_request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    records_request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    kind: Mapped[RecordsEventKind] = mapped_column(
        enum_column(RecordsEventKind, "records_event_kind")
    )
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    actor_name: Mapped[str] = mapped_column(String(255), default="")
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<RecordsRequestEvent {self.id} {self.kind}>"


class DisagreementStatement(Base):
    """The family's statement of disagreement (99.21(b)(2)), kept with the record it is about
    for as long as the record is kept, and shown wherever the record is shown or disclosed."""

    __tablename__ = "disagreement_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    records_request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    record_description: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    records_request: Mapped[RecordsRequest] = relationship(back_populates="statement")

    def __repr__(self) -> str:
        return f"<DisagreementStatement {self.id}>"


class DisclosureBasis(enum.StrEnum):
    """The exceptions to consent (99.31) under which the office discloses outside the catalog."""

    TRANSFER = "transfer"  # 99.31(a)(2), 99.34: a school the student transfers to
    COURT_ORDER = "court_order"  # 99.31(a)(9): a subpoena or court order
    HEALTH_SAFETY = "health_safety"  # 99.31(a)(10), 99.36: a health or safety emergency
    STATE_AUDIT = "state_audit"  # 99.31(a)(3), 99.35: an audit or evaluation by the state


class Disclosure(Base):
    """One disclosure of a student's records outside a catalog tool (99.32)."""

    __tablename__ = "disclosure"
    __table_args__ = (
        # Only a subpoena or court order may forbid telling the family (99.31(a)(9)(ii)).
        CheckConstraint("family_may_see OR basis = 'court_order'", name="only_orders_hide"),
        CheckConstraint("recipient <> '' AND records <> ''", name="says_who_and_what"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(255))
    basis: Mapped[DisclosureBasis] = mapped_column(enum_column(DisclosureBasis, "disclosure_basis"))
    #: The recipient's legitimate interest, the order's reference, or the threat (99.32(a)(5)).
    interest: Mapped[str] = mapped_column(Text)
    records: Mapped[str] = mapped_column(Text)
    disclosed_on: Mapped[date] = mapped_column(Date)
    family_may_see: Mapped[bool] = mapped_column(Boolean, default=True)
    recorded_by_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    student: Mapped[Student] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Disclosure {self.id} {self.basis}>"


class RestrictionScope(enum.StrEnum):
    ALL_RIGHTS = "all_rights"  # the guardian no longer sees the child or acts for them
    DECISIONS = "decisions"  # the guardian still sees the child but can no longer decide


class LinkRestriction(Base):
    """A court order or other legally binding document (99.4) that restricts what one guardian
    may do for a child. The link is changed at once; this row says why, and since when."""

    __tablename__ = "link_restriction"
    __table_args__ = (CheckConstraint("reference <> ''", name="has_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_link_id: Mapped[int] = mapped_column(ForeignKey("guardian_link.id"), unique=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    reference: Mapped[str] = mapped_column(String(255))
    ordered_on: Mapped[date] = mapped_column(Date)
    removes: Mapped[RestrictionScope] = mapped_column(
        enum_column(RestrictionScope, "restriction_scope")
    )
    other_guardians_told: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    def __repr__(self) -> str:
        return f"<LinkRestriction {self.id} {self.removes}>"
