"""drop the enrollment student_id index that repeats the unique index's first column

Revision ID: c1a7a1090006
Revises: c1a7a1090005
Create Date: 2026-11-23 23:40:00

The unique constraint on (student_id, section_id, begin_date) already serves every lookup by
student; the separate index only cost the roster import time (1.3 million index entries kept up
row by row on a district's first import).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c1a7a1090006"
down_revision = "c1a7a1090005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollment_student_id")


def downgrade():
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.create_index("ix_enrollment_student_id", ["student_id"], unique=False)
