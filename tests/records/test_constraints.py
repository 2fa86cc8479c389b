"""The database holds a records request's timeline to the known kinds of line: a line of any
other kind is refused, whatever code writes it."""

import pytest
from sqlalchemy import insert, literal_column, select
from sqlalchemy.exc import IntegrityError

from consent.core import clock
from consent.extensions import db
from consent.records.models import RecordsEventKind, RecordsRequest, RecordsRequestEvent


def test_a_timeline_line_of_an_unknown_kind_is_refused(ctx, demo):
    records_request_id = db.session.scalar(select(RecordsRequest.id).limit(1))  # the demo's

    def line(kind: str):
        # A literal, past the Enum's own check in Python: only the database stands in the way.
        return insert(RecordsRequestEvent).values(
            records_request_id=records_request_id,
            at=clock.now(),
            kind=literal_column(f"'{kind}'"),
            actor_role="system",
            actor_name="",
            note="",
        )

    with pytest.raises(IntegrityError):
        db.session.execute(line("hearing_held"))
    db.session.rollback()
    db.session.execute(line(RecordsEventKind.HEARING_SCHEDULED.value))
    db.session.commit()
    kinds = db.session.scalars(
        select(RecordsRequestEvent.kind).where(
            RecordsRequestEvent.records_request_id == records_request_id
        )
    ).all()
    assert RecordsEventKind.HEARING_SCHEDULED in kinds and "hearing_held" not in kinds
