"""consent forms staff must see: answers shown on class lists, student pages, do-not-release

Revision ID: b2c3d4e5f611
Revises: b2c4e6f80010
Create Date: 2026-12-04 15:20:00

Directory-information, media-release and military-recruiter forms are marked "staff must see
this" so a refusal reaches the teacher before a lesson, a photo or a publication; the office can
mark any other form the same way.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b2c3d4e5f611"
down_revision = "b2c4e6f80010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consent_form", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("staff_must_see", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    consent_form = sa.table("consent_form", sa.column("kind"), sa.column("staff_must_see"))
    op.execute(
        consent_form.update()
        .where(
            consent_form.c.kind.in_(
                [
                    "directory_information",
                    "media_release",
                    "military_recruiter",
                    "tool_consent",
                ]
            )
        )
        .values(staff_must_see=True)
    )


def downgrade():
    with op.batch_alter_table("consent_form", schema=None) as batch_op:
        batch_op.drop_column("staff_must_see")
