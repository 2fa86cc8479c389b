"""Read-side questions about students that several pages ask."""

from sqlalchemy import func, select

from consent.extensions import db
from consent.optouts.models import OPEN_STATUSES, OptOut


def open_request_counts(student_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(OptOut.student_id, func.count())
        .where(OptOut.student_id.in_(student_ids), OptOut.status.in_(OPEN_STATUSES))
        .group_by(OptOut.student_id)
    )
    return {student_id: count for student_id, count in rows}
