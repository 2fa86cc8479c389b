"""records timeline lines are of known kinds

Revision ID: c1fd50762210
Revises: 902f3ec16aa8
Create Date: 2026-12-05 10:00:00.000000

A records request's timeline line is one of the kinds in `RecordsEventKind` (the service has
only ever written these); the database now refuses any other.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1fd50762210"
down_revision = "902f3ec16aa8"
branch_labels = None
depends_on = None

RECORDS_EVENT_KINDS = (
    "filed",
    "made_available",
    "amended",
    "refused",
    "hearing_requested",
    "hearing_scheduled",
    "refusal_upheld",
    "statement_added",
    "closed",
    "reminded",
    "escalated",
)


def upgrade():
    with op.batch_alter_table("records_request_event", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "records_event_kind", sa.column("kind").in_(RECORDS_EVENT_KINDS)
        )


def downgrade():
    with op.batch_alter_table("records_request_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_records_request_event_records_event_kind"), type_="check"
        )
