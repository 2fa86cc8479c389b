"""district texts in the other languages the district offers

Revision ID: c5a7e9b10020
Revises: b3d9e1f20010
Create Date: 2026-12-04 20:30:00

Tool purposes and notes, feature names, opt-out choices and consent-form titles and texts were
stored once, in English. Their translations live in one table keyed by (kind, row id, field,
language); English stays in each model's own column.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c5a7e9b10020"
down_revision = "b3d9e1f20010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "district_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_account_id"],
            ["account.id"],
            name=op.f("fk_district_text_updated_by_account_id_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_text")),
        sa.UniqueConstraint(
            "kind", "row_id", "field", "language", name=op.f("uq_district_text_kind")
        ),
    )
    with op.batch_alter_table("district_text", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_district_text_language"), ["language"], unique=False)


def downgrade():
    with op.batch_alter_table("district_text", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_district_text_language"))
    op.drop_table("district_text")
