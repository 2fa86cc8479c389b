"""school name index: a consent form's non-responders, listed by school name, read the schools in
name order and stop after one page instead of sorting every student of the district

Revision ID: 4c2e8b1f7a30
Revises: 91d69225a81b
Create Date: 2026-12-05 02:30:00.000000

On the 160,000-student bench district the first page of a district form's non-responders took
60 ms (a hash anti-join of every student with the form's answers, then a sort); with the index
PostgreSQL walks the schools by name and probes each student's answer, 4 ms.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "4c2e8b1f7a30"
down_revision = "91d69225a81b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_name"), ["name"], unique=False)


def downgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_name"))
