"""school-year rollover: the district's year-end rule for opt-outs, and each year rolled over

Revision ID: b8d2e4f60010
Revises: b2c3d4e5f611
Create Date: 2026-12-04 17:00:00

Confirmed opt-outs carry into the new school year or end with the old one, as the district
says for all tools (`year_end_setting`, one row at most) or for one tool (`tool_year_end_rule`).
`rollover` keeps one row per year rolled over, so running the rollover twice changes nothing.
Two timeline kinds join the event CHECK: `carried_over` and `year_ended`.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8d2e4f60010"
down_revision = "b2c3d4e5f611"
branch_labels = None
depends_on = None

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
NEW_KINDS = ("carried_over", "year_ended")


def _action(name: str) -> sa.Enum:
    return sa.Enum("carry", "end", name=name, native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table(
        "year_end_setting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", _action("year_end_action"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_account_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_year_end_setting_single_row")),
        sa.ForeignKeyConstraint(
            ["updated_by_account_id"],
            ["account.id"],
            name=op.f("fk_year_end_setting_updated_by_account_id_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_end_setting")),
    )
    op.create_table(
        "tool_year_end_rule",
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("action", _action("tool_year_end_action"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tool_id"], ["tool.id"], name=op.f("fk_tool_year_end_rule_tool_id_tool")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_account_id"],
            ["account.id"],
            name=op.f("fk_tool_year_end_rule_updated_by_account_id_account"),
        ),
        sa.PrimaryKeyConstraint("tool_id", name=op.f("pk_tool_year_end_rule")),
    )
    op.create_table(
        "rollover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column("into_year", sa.String(length=9), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_by_account_id", sa.Integer(), nullable=True),
        sa.Column("carried", sa.Integer(), nullable=False),
        sa.Column("ended", sa.Integer(), nullable=False),
        sa.Column("forms_copied", sa.Integer(), nullable=False),
        sa.Column("guardians_told", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["done_by_account_id"],
            ["account.id"],
            name=op.f("fk_rollover_done_by_account_id_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollover")),
        sa.UniqueConstraint("school_year", name=op.f("uq_rollover_school_year")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_event_event_kind"), type_="check")
        batch_op.create_check_constraint(
            "event_kind", sa.column("kind").in_(EVENT_KINDS + NEW_KINDS)
        )


def downgrade():
    op.execute(sa.text("DELETE FROM event WHERE kind IN ('carried_over', 'year_ended')"))
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_event_event_kind"), type_="check")
        batch_op.create_check_constraint("event_kind", sa.column("kind").in_(EVENT_KINDS))
    op.drop_table("rollover")
    op.drop_table("tool_year_end_rule")
    op.drop_table("year_end_setting")
