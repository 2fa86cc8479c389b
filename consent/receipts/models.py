"""Receipts: what a family was told they decided, kept as it was, with its verification code.

A receipt is append-only. The decision it records (an opt-out request, a consent-form answer)
may change later — withdrawn, closed, answered again — and the receipt stays a true record of
what was decided then; the verify page compares the two.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column
from consent.roster.models import Guardian, Student


class ReceiptKind(enum.StrEnum):
    OPTOUT = "optout"
    FORM_ANSWER = "form_answer"


class Receipt(Base):
    __tablename__ = "receipt"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'optout' AND optout_id IS NOT NULL AND answer_event_id IS NULL)"
            " OR (kind = 'form_answer' AND answer_event_id IS NOT NULL AND optout_id IS NULL)",
            name="one_source",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored ungrouped (consent.receipts.codes); unique, so a code alone finds its receipt.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[ReceiptKind] = mapped_column(enum_column(ReceiptKind, "receipt_kind"))
    optout_id: Mapped[int | None] = mapped_column(ForeignKey("optout.id"), index=True)
    answer_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_answer_event.id"), index=True
    )
    # The decision as it was (consent.receipts.codes.Decision): the code covers all of these.
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    subject: Mapped[str] = mapped_column(String(96))
    choice: Mapped[str] = mapped_column(String(255))
    version: Mapped[str] = mapped_column(String(16), default="")
    channel: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    guardian: Mapped[Guardian] = relationship(lazy="joined")
    student: Mapped[Student] = relationship(lazy="joined")

    @property
    def reference(self) -> str:
        if self.kind is ReceiptKind.OPTOUT:
            return f"optout:{self.optout_id}"
        return f"answer:{self.answer_event_id}"

    def __repr__(self) -> str:
        return f"<Receipt {self.id} {self.kind}>"
