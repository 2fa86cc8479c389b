"""account sessions and lockout

Revision ID: c1a7a1090005
Revises: c1a7a1090004
Create Date: 2026-11-23 21:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1a7a1090005"
down_revision = "c1a7a1090004"
branch_labels = None
depends_on = None

# notifications (reliability): the delivery states before and after "failed" was added.
_DELIVERY_BEFORE = ("pending", "sent", "no_address")
_DELIVERY_WITH_FAILED = ("pending", "sent", "no_address", "failed")


def upgrade():
    op.create_table(
        "account_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_agent", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_account_session_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_session")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_account_session_key_hash")),
    )
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_account_session_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_digest", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.create_index(
            "ix_sign_in_failure_email_digest_at", ["email_digest", "at"], unique=False
        )

    # notifications (reliability): a message the worker gave up on is "failed" (outbox page).
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notification_delivery_status"), type_="check")
        batch_op.create_check_constraint(
            "delivery_status", sa.column("delivery_status").in_(_DELIVERY_WITH_FAILED)
        )


def downgrade():
    # notifications (reliability)
    op.execute(
        "UPDATE notification SET delivery_status = 'pending' WHERE delivery_status = 'failed'"
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notification_delivery_status"), type_="check")
        batch_op.create_check_constraint(
            "delivery_status", sa.column("delivery_status").in_(_DELIVERY_BEFORE)
        )

    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_sign_in_failure_email_digest_at")
    op.drop_table("sign_in_failure")
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_session_account_id"))
    op.drop_table("account_session")
