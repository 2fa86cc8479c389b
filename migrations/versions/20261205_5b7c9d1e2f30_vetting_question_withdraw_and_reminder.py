"""vetting questions: the office may withdraw an unanswered question, and the requester is
reminded of one (a review step of kind question_reminded)

Revision ID: 5b7c9d1e2f30
Revises: 4c2e8b1f7a30
Create Date: 2026-12-05 03:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "5b7c9d1e2f30"
down_revision = "4c2e8b1f7a30"
branch_labels = None
depends_on = None

_KINDS_BEFORE = ("reminded", "escalated")
_KINDS = (*_KINDS_BEFORE, "question_reminded")


def upgrade():
    with op.batch_alter_table("vetting_question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_vetting_question_withdrawn_by_account_id_account"),
            "account",
            ["withdrawn_by_account_id"],
            ["id"],
        )
    with op.batch_alter_table("vetting_review_step", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_vetting_review_step_vetting_review_step_kind"), type_="check"
        )
        batch_op.create_check_constraint("vetting_review_step_kind", sa.column("kind").in_(_KINDS))


def downgrade():
    op.execute("DELETE FROM vetting_review_step WHERE kind = 'question_reminded'")
    with op.batch_alter_table("vetting_review_step", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_vetting_review_step_vetting_review_step_kind"), type_="check"
        )
        batch_op.create_check_constraint(
            "vetting_review_step_kind", sa.column("kind").in_(_KINDS_BEFORE)
        )
    with op.batch_alter_table("vetting_question", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_vetting_question_withdrawn_by_account_id_account"), type_="foreignkey"
        )
        batch_op.drop_column("withdrawn_by_account_id")
        batch_op.drop_column("withdrawn_at")
