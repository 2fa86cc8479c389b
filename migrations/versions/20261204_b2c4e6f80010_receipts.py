"""receipts: every decision's receipt, with the verification code the office can check

Revision ID: b2c4e6f80010
Revises: a7e5c0d10009
Create Date: 2026-12-04 16:55:00

A receipt keeps the decision as it was when the family made it (who, child, what, choice,
version, channel, when) and the code derived from it with the server's key. Decisions made
before this revision have no receipt; nothing is back-filled.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2c4e6f80010"
down_revision = "a7e5c0d10009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "receipt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "optout",
                "form_answer",
                name="receipt_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("optout_id", sa.Integer(), nullable=True),
        sa.Column("answer_event_id", sa.Integer(), nullable=True),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=96), nullable=False),
        sa.Column("choice", sa.String(length=255), nullable=False),
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'optout' AND optout_id IS NOT NULL AND answer_event_id IS NULL)"
            " OR (kind = 'form_answer' AND answer_event_id IS NOT NULL AND optout_id IS NULL)",
            name=op.f("ck_receipt_one_source"),
        ),
        sa.ForeignKeyConstraint(
            ["answer_event_id"],
            ["consent_answer_event.id"],
            name=op.f("fk_receipt_answer_event_id_consent_answer_event"),
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_receipt_guardian_id_guardian")
        ),
        sa.ForeignKeyConstraint(
            ["optout_id"], ["optout.id"], name=op.f("fk_receipt_optout_id_optout")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_receipt_student_id_student")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt")),
        sa.UniqueConstraint("code", name=op.f("uq_receipt_code")),
    )
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_receipt_answer_event_id"), ["answer_event_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_receipt_guardian_id"), ["guardian_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_optout_id"), ["optout_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipt_student_id"), ["student_id"], unique=False)


def downgrade():
    with op.batch_alter_table("receipt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipt_student_id"))
        batch_op.drop_index(batch_op.f("ix_receipt_optout_id"))
        batch_op.drop_index(batch_op.f("ix_receipt_guardian_id"))
        batch_op.drop_index(batch_op.f("ix_receipt_answer_event_id"))
    op.drop_table("receipt")
