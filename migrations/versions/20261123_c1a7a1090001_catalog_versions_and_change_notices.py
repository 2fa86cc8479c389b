"""catalog versions and change notices

Revision ID: c1a7a1090001
Revises: 3b269ce5060e
Create Date: 2026-11-23 21:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1a7a1090001"
down_revision = "3b269ce5060e"
branch_labels = None
depends_on = None


VETTING = ("pending", "approved", "approved_with_conditions", "not_approved", "retired")
BASES = ("school_official", "coppa_school_consent", "parent_consent")


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table(
        "tool_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_account_id"],
            ["account.id"],
            name=op.f("fk_tool_revision_actor_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["tool_id"], ["tool.id"], name=op.f("fk_tool_revision_tool_id_tool")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_revision")),
        sa.UniqueConstraint("tool_id", "number", name=op.f("uq_tool_revision_tool_id")),
    )
    with op.batch_alter_table("tool_revision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tool_revision_actor_account_id"), ["actor_account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tool_revision_tool_id"), ["tool_id"], unique=False)

    op.create_table(
        "tool_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=128), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["tool_revision.id"],
            name=op.f("fk_tool_change_revision_id_tool_revision"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_change")),
    )
    with op.batch_alter_table("tool_change", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tool_change_revision_id"), ["revision_id"], unique=False
        )

    op.create_table(
        "tool_change_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("new_categories", sa.Text(), nullable=False),
        sa.Column("agreement_lapsed", sa.Boolean(), nullable=False),
        sa.Column("no_longer_approved", sa.Boolean(), nullable=False),
        sa.Column("vetting_status", _enum(VETTING, "vetting_status"), nullable=False),
        sa.Column("legal_basis_before", _enum(BASES, "legal_basis_before"), nullable=True),
        sa.Column("legal_basis_after", _enum(BASES, "legal_basis_after"), nullable=True),
        sa.Column("lapse_key", sa.String(length=64), nullable=True),
        sa.Column("guardians_notified", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["tool_revision.id"],
            name=op.f("fk_tool_change_notice_revision_id_tool_revision"),
        ),
        sa.ForeignKeyConstraint(
            ["tool_id"], ["tool.id"], name=op.f("fk_tool_change_notice_tool_id_tool")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tool_change_notice")),
        sa.UniqueConstraint("tool_id", "lapse_key", name=op.f("uq_tool_change_notice_tool_id")),
    )
    with op.batch_alter_table("tool_change_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tool_change_notice_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_tool_change_notice_tool_id"), ["tool_id"], unique=False
        )


def downgrade():
    op.drop_table("tool_change_notice")
    op.drop_table("tool_change")
    op.drop_table("tool_revision")
