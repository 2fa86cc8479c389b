"""roster imports run in a worker process: the upload to import, a heartbeat, attempts, rows read

Revision ID: c7a1e5d30018
Revises: c5e7a9b10015
Create Date: 2026-12-04 20:10:00

The upload page used to import in a thread of the web process, with progress in its memory:
under several web processes the progress page showed nothing, and a restart lost the run. Now
the upload is stored, its run queued, and `flask roster work` imports it, writing its progress
to this row in short transactions of their own; a run whose worker stopped reporting is shown
as interrupted and may be retried.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c7a1e5d30018"
down_revision = "c5e7a9b10015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("roster_import", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upload", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("rows_read", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("roster_import", schema=None) as batch_op:
        batch_op.drop_column("rows_read")
        batch_op.drop_column("attempts")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("upload")
