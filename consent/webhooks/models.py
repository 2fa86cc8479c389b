"""Webhooks: district systems told of a change as it happens, through an outbox.

An endpoint is an HTTPS address the privacy office registered for some kinds of events, with a
secret of its own that signs every delivery. A delivery is written in the transaction of the
change (so a change that rolls back tells no one), and sent after commit by the worker
(`flask webhooks deliver --loop`), retried with backoff until the endpoint answers 2xx or the
attempts run out. Each try is kept as an attempt: when, the answer's status or the error, and
how long it took."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column
from consent.roster.models import School


class WebhookEvent(enum.StrEnum):
    """What an endpoint may subscribe to (the `type` of every delivery's body)."""

    OPTOUT_CONFIRMED = "optout.confirmed"
    OPTOUT_WITHDRAWN = "optout.withdrawn"
    OPTOUT_CLOSED = "optout.closed"
    CONSENT_ANSWER_CHANGED = "consent_answer.changed"
    RIGHTS_CHANGED = "rights.changed"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    #: Given up for good: the attempts ran out, or the endpoint was deactivated first.
    FAILED = "failed"


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoint"
    __table_args__ = (
        CheckConstraint(
            "(deactivated_at IS NULL AND deactivated_by_account_id IS NULL)"
            " OR (deactivated_at IS NOT NULL AND deactivated_by_account_id IS NOT NULL)",
            name="deactivated_by_someone",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(2048))
    # The subscribed events' values, space-separated, in the order of `WebhookEvent`.
    events: Mapped[str] = mapped_column(String(255))
    # The signing key, kept as is: signing needs it (as with Stripe's and GitHub's secrets).
    secret: Mapped[str] = mapped_column(String(128))
    # None: events about students of every school.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    school: Mapped[School | None] = relationship(lazy="joined")

    @property
    def event_set(self) -> frozenset[WebhookEvent]:
        return frozenset(WebhookEvent(value) for value in self.events.split())

    @property
    def label(self) -> str:
        """How the audit log names the endpoint."""
        return f"webhook:{self.id} {self.name}"[:64]

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id}>"


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The `Webhook-Id` header: the same on every retry, so a receiver can drop a repeat.
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    # One change, the same for every endpoint told of it (the body's `id`).
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    # The JSON body exactly as sent (and signed) on every attempt.
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="raise")

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event} {self.status}>"


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The endpoint's answer, or None when there was none (refused, timed out, bad TLS...).
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(String(255), default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<WebhookAttempt {self.id} {self.status_code}>"
