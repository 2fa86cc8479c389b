"""tool revisions name the vetting request whose approval added the tool

Revision ID: c1a7a1090007
Revises: c1a7a1090006
Create Date: 2026-11-24 09:00:00

An approved vetting request now adds its tool through the catalog's own creation path, with a
first revision like a tool added by hand; the revision keeps the request it came from. Tools
approved before this change keep the history they had (none): what they looked like at approval
was never recorded.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1a7a1090007"
down_revision = "c1a7a1090006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tool_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vetting_request_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_tool_revision_vetting_request_id_vetting_request"),
            "vetting_request",
            ["vetting_request_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("tool_revision", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_tool_revision_vetting_request_id_vetting_request"), type_="foreignkey"
        )
        batch_op.drop_column("vetting_request_id")
