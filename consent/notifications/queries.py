from sqlalchemy import Select, false, or_, select

from consent.accounts.models import Account
from consent.notifications.models import Notification


def inbox(actor: Account) -> Select:
    """The actor's own messages, newest first."""
    mine = or_(
        Notification.guardian_id == actor.guardian_id if actor.guardian_id else false(),
        Notification.staff_id == actor.staff_id if actor.staff_id else false(),
    )
    return select(Notification).where(mine).order_by(Notification.id.desc())
