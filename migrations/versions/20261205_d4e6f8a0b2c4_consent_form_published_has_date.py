"""a published consent form has its publishing time, and a draft none

Revision ID: d4e6f8a0b2c4
Revises: c1fd50762210
Create Date: 2026-12-05 10:40:00.000000

`publish_form` is the only change of a form's status, and it stamps `published_at` with it;
no code ever cleared it. The database now holds every form to that.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d4e6f8a0b2c4"
down_revision = "c1fd50762210"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consent_form", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "published_has_date", sa.text("(status = 'draft') = (published_at IS NULL)")
        )


def downgrade():
    with op.batch_alter_table("consent_form", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_consent_form_published_has_date"), type_="check")
