"""Notifications: written in the transaction of the change, emailed after commit, kept forever."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    NO_ADDRESS = "no_address"
    #: Given up after NOTIFICATION_GIVE_UP_AFTER_HOURS (or NOTIFICATION_MAX_ATTEMPTS): shown to
    #: the privacy office on the outbox page instead of retried forever.
    FAILED = "failed"


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_due", "delivery_status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    kind: Mapped[str] = mapped_column(String(64))
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    optout_id: Mapped[int | None] = mapped_column(ForeignKey("optout.id"), index=True)
    to_address: Mapped[str | None] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(16), default="en")
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(2048))
    delivery_status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind} {self.delivery_status}>"
