"""tool uses by scope: the district-wide uses are found through an index

Revision ID: 846d817d352e
Revises: 5b7c9d1e2f30
Create Date: 2026-12-05 02:45:00.000000

Every guardian's start page counts the tools that reach each child (consent.catalog.reach):
its district-wide branch read all 8,000 uses of the district to find the 10 district-wide
ones (0.5 ms of the page's 1 ms statement); through the index it reads those 10.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "846d817d352e"
down_revision = "5b7c9d1e2f30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tool_use", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tool_use_scope"), ["scope"], unique=False)


def downgrade():
    with op.batch_alter_table("tool_use", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tool_use_scope"))
