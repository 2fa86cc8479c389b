"""Whose messages are whose: a message (a notification) is read by the one person it was written
for, never by anyone else, whatever their role. A refusal looks like a missing message."""

from sqlalchemy import ColumnElement, Select, false, func, or_, select

from consent.access.policy import deny
from consent.accounts.models import Account
from consent.extensions import db
from consent.notifications.models import Notification


def _addressed_to(guardian_id, staff_id) -> ColumnElement[bool]:
    """Messages for this guardian or staff member; each argument is an id, None, or a column
    (the account's, in a correlated subquery)."""
    return or_(
        Notification.guardian_id == guardian_id if guardian_id is not None else false(),
        Notification.staff_id == staff_id if staff_id is not None else false(),
    )


def own_messages(actor: Account) -> Select:
    """The actor's own messages, newest first."""
    return (
        select(Notification)
        .where(_addressed_to(actor.guardian_id, actor.staff_id))
        .order_by(Notification.id.desc())
    )


def unread_count_of_account() -> ColumnElement[int]:
    """How many of an account's messages it has not opened yet, as a subquery correlated to
    `Account`, so the sign-in lookup every page already makes brings the count along."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(
            _addressed_to(Account.guardian_id, Account.staff_id),
            Notification.read_at.is_(None),
        )
        .correlate(Account)
        .scalar_subquery()
    )


def unread_count(actor: Account) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(
            _addressed_to(actor.guardian_id, actor.staff_id),
            Notification.read_at.is_(None),
        )
    )


def message_or_404(actor: Account, message_id: int) -> Notification:
    """One message, for the person it was written for only; anyone else meets a 404."""
    message = db.session.scalar(
        select(Notification).where(
            Notification.id == message_id, _addressed_to(actor.guardian_id, actor.staff_id)
        )
    )
    if message is None:
        deny(actor, f"message:{message_id}")
    return message
