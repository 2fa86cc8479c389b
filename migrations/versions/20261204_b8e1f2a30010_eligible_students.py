"""rights pass to the student at 18: birth dates, the student's address, tax dependents

Revision ID: b8e1f2a30010
Revises: b8d2e4f60010
Create Date: 2026-12-04 16:45:00

The roster brings each student's birth date (never guessed: missing stays NULL) and address.
On the 18th birthday the FERPA rights pass to the student (34 CFR 99.5): `eligible_on` records
the day, and the student's own account belongs to a guardian record that names them
(`guardian.student_id`). A district may mark a student a tax dependent (99.31(a)(8)), so the
parents keep seeing the records. Existing students are all minors as far as we know.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b8e1f2a30010"
down_revision = "b8d2e4f60010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.add_column(sa.Column("birth_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch_op.add_column(
            sa.Column("tax_dependent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("eligible_on", sa.Date(), nullable=True))

    with op.batch_alter_table("guardian", schema=None) as batch_op:
        batch_op.add_column(sa.Column("student_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_guardian_student_id"), ["student_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_guardian_student_id_student"), "student", ["student_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("guardian", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_guardian_student_id_student"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_guardian_student_id"), type_="unique")
        batch_op.drop_column("student_id")

    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_column("eligible_on")
        batch_op.drop_column("tax_dependent")
        batch_op.drop_column("email")
        batch_op.drop_column("birth_date")
