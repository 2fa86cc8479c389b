"""records timeline lines are of known kinds, and an undecided vetting request has no decision

Revision ID: c1fd50762210
Revises: 902f3ec16aa8
Create Date: 2026-12-05 10:00:00.000000

A records request's timeline line is one of the kinds in `RecordsEventKind` (the service has
only ever written these). A vetting request still submitted, in review or waiting for more
information has no decision time and no decider: a decision is final, so the service never
wrote one on an open request. The database now refuses either.
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
OPEN = "status IN ('submitted', 'in_review', 'more_information')"


def upgrade():
    with op.batch_alter_table("records_request_event", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "records_event_kind", sa.column("kind").in_(RECORDS_EVENT_KINDS)
        )
    with op.batch_alter_table("vetting_request", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "open_is_undecided",
            sa.text(f"NOT {OPEN} OR (decided_at IS NULL AND decided_by_account_id IS NULL)"),
        )


def downgrade():
    with op.batch_alter_table("vetting_request", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_vetting_request_open_is_undecided"), type_="check")
    with op.batch_alter_table("records_request_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_records_request_event_records_event_kind"), type_="check"
        )
