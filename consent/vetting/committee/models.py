"""The review committee's rows: the district's rubric, each reviewer's review of a request with
a finding per rubric item, the office's questions to the requester, and the deadline steps
taken (reminders, escalation), each at most once per due date."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.accounts.models import Account
from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column


class Rating(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a rating, not a password
    CONCERN = "concern"
    FAIL = "fail"


class Recommendation(enum.StrEnum):
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    DECLINE = "decline"


class StepKind(enum.StrEnum):
    REMINDED = "reminded"  # the reviewers who still owe a review (or the office, if none yet)
    ESCALATED = "escalated"  # the privacy office, two school days after the due date
    # The requester, some school days after a question they have not answered (the office is
    # told instead when the requester has left); due_on is the day the reminder was due.
    QUESTION_REMINDED = "question_reminded"


class RubricItem(Base):
    """One question every reviewer answers; the office adds, renames, orders and retires them.
    A retired item stays on the reviews that used it."""

    __tablename__ = "vetting_rubric_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    guidance: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def __repr__(self) -> str:
        return f"<RubricItem {self.id} {self.title!r}>"


class Review(Base):
    """One reviewer's part in one request: assigned by the office, then submitted with a
    finding per rubric item and a recommendation. Private to the reviewer and the office."""

    __tablename__ = "vetting_review"
    __table_args__ = (UniqueConstraint("request_id", "reviewer_account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("vetting_request.id"), index=True)
    reviewer_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    assigned_by_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recommendation: Mapped[Recommendation | None] = mapped_column(
        enum_column(Recommendation, "vetting_recommendation")
    )
    note: Mapped[str] = mapped_column(Text, default="")

    reviewer: Mapped[Account] = relationship(foreign_keys=[reviewer_account_id])
    findings: Mapped[list["Finding"]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="Finding.id"
    )

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None

    def __repr__(self) -> str:
        return f"<Review {self.id} request={self.request_id} reviewer={self.reviewer_account_id}>"


class Finding(Base):
    __tablename__ = "vetting_finding"
    __table_args__ = (UniqueConstraint("review_id", "rubric_item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("vetting_review.id"), index=True)
    rubric_item_id: Mapped[int] = mapped_column(ForeignKey("vetting_rubric_item.id"))
    rating: Mapped[Rating] = mapped_column(enum_column(Rating, "vetting_rating"))
    note: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="findings")
    item: Mapped[RubricItem] = relationship()


class Question(Base):
    """The office asks the requester for more information; the answer returns the request to
    review. The requester sees the question and their answer (never the reviewers' notes)."""

    __tablename__ = "vetting_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("vetting_request.id"), index=True)
    asked_by_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The office took the question back (the requester left, or it no longer matters).
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.withdrawn_at is None


class ReviewStep(Base):
    """A deadline step taken for a request's review due date: never taken twice."""

    __tablename__ = "vetting_review_step"
    __table_args__ = (UniqueConstraint("request_id", "kind", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("vetting_request.id"), index=True)
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind, "vetting_review_step_kind"))
    due_on: Mapped[date] = mapped_column(Date)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
