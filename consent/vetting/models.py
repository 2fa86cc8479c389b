"""A staff member's request to add an online tool, and the privacy office's decision on it."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.accounts.models import Account
from consent.catalog.models import Tool, VettingStatus
from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # waiting for the office to name its reviewers
    IN_REVIEW = "in_review"  # the reviewers record their findings; then the office decides
    MORE_INFORMATION = "more_information"  # back with the requester, to answer a question
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    NOT_APPROVED = "not_approved"


class RequestKind(enum.StrEnum):
    NEW = "new"  # a staff member asks for a tool not in the catalog
    RE_REVIEW = "re_review"  # an approved tool returns to the committee (consent.vetting.rereview)


class RereviewReason(enum.StrEnum):
    DUE = "due"  # its next-review date came
    CHANGE = "change"  # a change families were told about (ToolChangeNotice)
    POLICY = "policy"  # its privacy policy's text changed


DECISIONS = (
    RequestStatus.APPROVED,
    RequestStatus.APPROVED_WITH_CONDITIONS,
    RequestStatus.NOT_APPROVED,
)
# Not decided yet: the review backlog.
OPEN_STATUSES = (
    RequestStatus.SUBMITTED,
    RequestStatus.IN_REVIEW,
    RequestStatus.MORE_INFORMATION,
)
#: The workflow: every allowed (from, to) move. Anything else is refused; a decision is final
#: (looking at an approved tool again is a new request, consent.vetting.rereview).
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.SUBMITTED: frozenset({RequestStatus.IN_REVIEW}),  # reviewers assigned
    RequestStatus.IN_REVIEW: frozenset({RequestStatus.MORE_INFORMATION, *DECISIONS}),
    # The requester answered, or the office withdrew its question.
    RequestStatus.MORE_INFORMATION: frozenset({RequestStatus.IN_REVIEW}),
    RequestStatus.APPROVED: frozenset(),
    RequestStatus.APPROVED_WITH_CONDITIONS: frozenset(),
    RequestStatus.NOT_APPROVED: frozenset(),
}
_OPEN_SQL = "status IN ('submitted', 'in_review', 'more_information')"
# The catalog statuses a tool may be put in use with (ToolUse declarations).
USABLE_STATUSES = (VettingStatus.APPROVED, VettingStatus.APPROVED_WITH_CONDITIONS)


class VettingRequest(Base):
    """What the requester told us about the tool; decided once, and an approval adds the tool
    to the catalog (`tool_id`), where the privacy office completes the entry."""

    __tablename__ = "vetting_request"
    __table_args__ = (
        CheckConstraint(
            f"{_OPEN_SQL} OR (decided_at IS NOT NULL AND decided_by_account_id IS NOT NULL)",
            name="decision_recorded",
        ),
        CheckConstraint(
            f"NOT {_OPEN_SQL} OR (decided_at IS NULL AND decided_by_account_id IS NULL)",
            name="open_is_undecided",
        ),
        CheckConstraint(
            "status NOT IN ('approved', 'approved_with_conditions') OR tool_id IS NOT NULL",
            name="approval_has_tool",
        ),
        CheckConstraint(
            "(kind = 'new' AND requested_by_account_id IS NOT NULL) OR "
            "(tool_id IS NOT NULL AND rereview_reason IS NOT NULL)",
            name="rereview_has_tool_and_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    vendor: Mapped[str] = mapped_column(String(255), default="")
    website: Mapped[str] = mapped_column(String(2048))
    privacy_policy_url: Mapped[str] = mapped_column(String(2048), default="")
    purpose: Mapped[str] = mapped_column(Text)
    grades: Mapped[str] = mapped_column(String(32))
    student_use: Mapped[str] = mapped_column(Text)  # how students use it
    student_data: Mapped[str] = mapped_column(Text)  # what students enter into it
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "vetting_request_status"), index=True
    )
    # None for a re-review the schedule or the policy watch opened (no one asked).
    requested_by_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id"), index=True
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    tool_id: Mapped[int | None] = mapped_column(ForeignKey("tool.id"), index=True)
    # The school day the review is due by (consent.vetting.review): set when the request is
    # sent, and again when it comes back from the requester; reminders and escalation follow it.
    review_due_on: Mapped[date | None] = mapped_column(Date)
    # A re-review names its tool from the start; the tool stays in use meanwhile.
    kind: Mapped[RequestKind] = mapped_column(
        enum_column(RequestKind, "vetting_request_kind"), default=RequestKind.NEW
    )
    rereview_reason: Mapped[RereviewReason | None] = mapped_column(
        enum_column(RereviewReason, "rereview_reason")
    )

    requested_by: Mapped[Account | None] = relationship(foreign_keys=[requested_by_account_id])
    decided_by: Mapped[Account | None] = relationship(foreign_keys=[decided_by_account_id])
    tool: Mapped[Tool | None] = relationship()

    @property
    def decided(self) -> bool:
        return self.status not in OPEN_STATUSES

    def __repr__(self) -> str:
        return f"<VettingRequest {self.id} {self.status}>"
