"""district report figures computed ahead by `flask reports refresh`

Revision ID: c1a7a1090008
Revises: c1a7a1090007
Create Date: 2026-11-24 02:00:00

The privacy office's district-wide report pages read these while they are fresh instead of
aggregating every student on each view. Only aggregate figures are stored, never a student.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1a7a1090008"
down_revision = "c1a7a1090007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_snapshot")),
        sa.UniqueConstraint("key", name=op.f("uq_report_snapshot_key")),
    )


def downgrade():
    op.drop_table("report_snapshot")
