"""an opt-out choice names the part of the tool it answers

Revision ID: c5e7a9b10015
Revises: c1a7e3d90010
Create Date: 2026-12-04 20:30:00

The opt-out form offered every choice whatever part of the tool was picked (Camera with "No
recording while my child is present"). A choice made for one part names that part's feature key;
a choice for any part (an alternative activity) names none. Existing choices name none, so they
are offered as before until the privacy office says which part each answers.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5e7a9b10015"
down_revision = "c1a7e3d90010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("tool_optout_option", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feature_key", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("tool_optout_option", schema=None) as batch_op:
        batch_op.drop_column("feature_key")
