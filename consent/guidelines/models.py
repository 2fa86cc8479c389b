"""The district's General Use Guidelines (a checklist the office edits) and each use of a tool
pending review that a teacher started under them, with the items the teacher confirmed."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.accounts.models import Account
from consent.catalog.models import Tool, ToolUse
from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column
from consent.roster.models import Section
from consent.vetting.models import VettingRequest


class GuidelineItem(Base):
    """One statement of the checklist, e.g. "Students create no account". A retired item is kept
    so the uses that confirmed it still say what was confirmed."""

    __tablename__ = "guideline_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    def __repr__(self) -> str:
        return f"<GuidelineItem {self.id}>"


class GuidelineStatus(enum.StrEnum):
    PENDING_REVIEW = "pending_review"  # in use while the committee reviews the tool
    APPROVED = "approved"  # the tool was approved: the class use simply goes on
    DECLINED = "declined"  # the tool was not approved: the use ended that day


class GuidelineUse(Base):
    """A class's use of a tool pending review, started by its teacher after confirming every item
    of the checklist. The class use itself is a ToolUse (so it reaches the class's students like
    any other); this row says why it exists and what the teacher confirmed."""

    __tablename__ = "guideline_use"
    __table_args__ = (
        CheckConstraint(
            "status = 'pending_review' OR ended_at IS NOT NULL", name="settled_has_date"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vetting_request_id: Mapped[int] = mapped_column(ForeignKey("vetting_request.id"), index=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    # None once the class use was removed (stopped before its first day).
    tool_use_id: Mapped[int | None] = mapped_column(
        ForeignKey("tool_use.id", ondelete="SET NULL"), index=True
    )
    teacher_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    status: Mapped[GuidelineStatus] = mapped_column(
        enum_column(GuidelineStatus, "guideline_status"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    vetting_request: Mapped[VettingRequest] = relationship()
    tool: Mapped[Tool] = relationship()
    section: Mapped[Section] = relationship()
    tool_use: Mapped[ToolUse | None] = relationship()
    teacher: Mapped[Account] = relationship()
    confirmations: Mapped[list["GuidelineConfirmation"]] = relationship(
        lazy="selectin", order_by="GuidelineConfirmation.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<GuidelineUse {self.id} {self.status}>"


class GuidelineConfirmation(Base):
    """One item the teacher confirmed, worded as it was then (families read what was confirmed,
    even after the office rewords the checklist)."""

    __tablename__ = "guideline_confirmation"

    id: Mapped[int] = mapped_column(primary_key=True)
    guideline_use_id: Mapped[int] = mapped_column(ForeignKey("guideline_use.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("guideline_item.id"))
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
