"""Who holds a role the workflows tell: the privacy office, a school's principals. Plain reads
of the roster's models, below every domain that notifies them (opt-outs, records requests,
vetting, enforcement), so none of them imports another to find these people."""

from sqlalchemy import select

from consent.extensions import db
from consent.roster.models import Staff, StaffRole


def privacy_officers() -> list[Staff]:
    """The district privacy office's active staff: who hears what nobody else can act on (an
    escalation, a records request, a vendor still holding a child's data)."""
    return list(
        db.session.scalars(
            select(Staff)
            .where(Staff.role == StaffRole.PRIVACY_OFFICER, Staff.active.is_(True))
            .order_by(Staff.id)
        )
    )


def principals_of(school_id: int) -> list[Staff]:
    """The school's active principals: who confirms its requests and hears of its records
    requests."""
    return list(
        db.session.scalars(
            select(Staff)
            .where(
                Staff.school_id == school_id,
                Staff.role == StaffRole.PRINCIPAL,
                Staff.active.is_(True),
            )
            .order_by(Staff.id)
        )
    )
