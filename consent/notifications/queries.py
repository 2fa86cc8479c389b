"""The inbox, and the outbox's state for the privacy office."""

from datetime import datetime

from sqlalchemy import Select, func, select

from consent.access import own_messages
from consent.accounts.models import Account
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification


def inbox(actor: Account) -> Select:
    """The actor's own messages, newest first."""
    return own_messages(actor)


def outbox_counts() -> dict[DeliveryStatus, int]:
    """How many messages are in each delivery state: one aggregate query."""
    counts = dict.fromkeys(DeliveryStatus, 0)
    rows = db.session.execute(
        select(Notification.delivery_status, func.count()).group_by(Notification.delivery_status)
    )
    counts.update({status: number for status, number in rows})
    return counts


def oldest_pending() -> datetime | None:
    return db.session.scalar(
        select(func.min(Notification.created_at)).where(
            Notification.delivery_status == DeliveryStatus.PENDING
        )
    )


def failed_messages() -> Select:
    """Messages the worker gave up on, newest first, for the privacy office to follow up."""
    return (
        select(Notification)
        .where(Notification.delivery_status == DeliveryStatus.FAILED)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
