"""the database holds opt-outs and tasks to what their status says, and events to known kinds

Revision ID: 6e44b693bb89
Revises: c1a7a1090008
Create Date: 2026-11-25 09:00:00

An open request has neither a resolution nor an end; a confirmed one has its resolution time and
no end; a withdrawn or closed one has its end time. An acknowledged task has the time it was
acknowledged; a planned one also its plan and when it was recorded; a closed one says why. A
timeline line is one of the kinds in `EventKind`. The service has always written rows this way;
the database now refuses any other.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "6e44b693bb89"
down_revision = "c1a7a1090008"
branch_labels = None
depends_on = None

OPTOUT_TIMESTAMPS = (
    "(status IN ('submitted', 'in_progress', 'planned')"
    " AND resolved_at IS NULL AND ended_at IS NULL)"
    " OR (status = 'confirmed' AND resolved_at IS NOT NULL AND ended_at IS NULL)"
    " OR (status IN ('withdrawn', 'closed') AND ended_at IS NOT NULL)"
)
TASK_TIMESTAMPS = (
    "(status <> 'acknowledged' OR acknowledged_at IS NOT NULL)"
    " AND (status <> 'planned'"
    " OR (acknowledged_at IS NOT NULL AND planned_at IS NOT NULL AND plan_option IS NOT NULL))"
    " AND (status <> 'closed' OR closed_reason <> '')"
)
EVENT_KINDS = (
    "filed",
    "joined",
    "acknowledged",
    "plan_recorded",
    "planned",
    "confirmed",
    "returned",
    "withdrawn",
    "withdrawal_declined",
    "closed",
    "teacher_added",
    "teacher_left",
    "use_started",
    "use_ended",
    "school_changed",
    "rerouted",
    "reminded",
    "principal_told",
    "escalated",
    "due_moved",
)


def upgrade():
    with op.batch_alter_table("optout", schema=None) as batch_op:
        batch_op.create_check_constraint("status_timestamps", sa.text(OPTOUT_TIMESTAMPS))
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_check_constraint("status_timestamps", sa.text(TASK_TIMESTAMPS))
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_check_constraint("event_kind", sa.column("kind").in_(EVENT_KINDS))


def downgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_event_event_kind"), type_="check")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_task_status_timestamps"), type_="check")
    with op.batch_alter_table("optout", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_optout_status_timestamps"), type_="check")
