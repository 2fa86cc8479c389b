"""vetting requests and tool use declarations

Revision ID: c1a7a1090002
Revises: c1a7a1090001
Create Date: 2026-11-23 21:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1a7a1090002"
down_revision = "c1a7a1090001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "vetting_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("vendor", sa.String(length=255), nullable=False),
        sa.Column("website", sa.String(length=2048), nullable=False),
        sa.Column("privacy_policy_url", sa.String(length=2048), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("grades", sa.String(length=32), nullable=False),
        sa.Column("student_use", sa.Text(), nullable=False),
        sa.Column("student_data", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "approved",
                "approved_with_conditions",
                "not_approved",
                name="vetting_request_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_account_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_account_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status = 'submitted' OR "
            "(decided_at IS NOT NULL AND decided_by_account_id IS NOT NULL)",
            name=op.f("ck_vetting_request_decision_recorded"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('approved', 'approved_with_conditions') OR tool_id IS NOT NULL",
            name=op.f("ck_vetting_request_approval_has_tool"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_account_id"],
            ["account.id"],
            name=op.f("fk_vetting_request_decided_by_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_account_id"],
            ["account.id"],
            name=op.f("fk_vetting_request_requested_by_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["tool_id"], ["tool.id"], name=op.f("fk_vetting_request_tool_id_tool")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vetting_request")),
    )
    with op.batch_alter_table("vetting_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vetting_request_requested_by_account_id"),
            ["requested_by_account_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_vetting_request_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_vetting_request_tool_id"), ["tool_id"], unique=False)

    with op.batch_alter_table("tool_use", schema=None) as batch_op:
        batch_op.add_column(sa.Column("declared_by_account_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tool_use_declared_by_account_id_account"),
            "account",
            ["declared_by_account_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("tool_use", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tool_use_declared_by_account_id_account"), type_="foreignkey"
        )
        batch_op.drop_column("created_at")
        batch_op.drop_column("declared_by_account_id")

    with op.batch_alter_table("vetting_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vetting_request_tool_id"))
        batch_op.drop_index(batch_op.f("ix_vetting_request_status"))
        batch_op.drop_index(batch_op.f("ix_vetting_request_requested_by_account_id"))

    op.drop_table("vetting_request")
