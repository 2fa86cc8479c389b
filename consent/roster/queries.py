"""Read-side questions about students that several pages ask."""

from functools import cache

from sqlalchemy import Select, bindparam, func, select

from consent.extensions import db
from consent.optouts.models import OPEN_STATUSES, OptOut


@cache
def _open_request_counts_query() -> Select:
    """Built once (the guardian's start page asks on every visit): only the children change."""
    return (
        select(OptOut.student_id, func.count())
        .where(
            OptOut.student_id.in_(bindparam("student_ids", expanding=True)),
            OptOut.status.in_(OPEN_STATUSES),
        )
        .group_by(OptOut.student_id)
    )


def open_request_counts(student_ids: list[int]) -> dict[int, int]:
    if not student_ids:
        return {}
    rows = db.session.execute(_open_request_counts_query(), {"student_ids": list(student_ids)})
    return {student_id: count for student_id, count in rows}
