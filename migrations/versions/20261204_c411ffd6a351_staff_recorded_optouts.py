"""staff record a family's opt-out: channel, day received, who typed it and for whom

Revision ID: c411ffd6a351
Revises: 6e44b693bb89
Create Date: 2026-12-04 13:43:49

A guardian may ask a teacher, principal or the privacy office by phone, on paper, by email or
in person; staff record it for them. The request keeps the channel, the day it was received (due
dates count from it) and the staff account that typed it; timeline and audit rows name the
guardian the staff member acted for. Existing requests were all filed on the web.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c411ffd6a351"
down_revision = "6e44b693bb89"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_behalf_of_guardian_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_event_on_behalf_of_guardian_id_guardian"),
            "guardian",
            ["on_behalf_of_guardian_id"],
            ["id"],
        )

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_behalf_of_guardian_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("on_behalf_of_name", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_event_on_behalf_of_guardian_id_guardian"),
            "guardian",
            ["on_behalf_of_guardian_id"],
            ["id"],
        )

    with op.batch_alter_table("optout", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.Enum(
                    "web",
                    "phone",
                    "paper",
                    "email",
                    "in_person",
                    name="optout_channel",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="web",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("received_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("recorded_by_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_optout_recorded_by_account_id_account"),
            "account",
            ["recorded_by_account_id"],
            ["id"],
        )

    with op.batch_alter_table("optout_requester", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.Enum(
                    "web",
                    "phone",
                    "paper",
                    "email",
                    "in_person",
                    name="optout_requester_channel",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="web",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("recorded_by_account_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_optout_requester_recorded_by_account_id_account"),
            "account",
            ["recorded_by_account_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("optout_requester", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_optout_requester_recorded_by_account_id_account"), type_="foreignkey"
        )
        batch_op.drop_column("recorded_by_account_id")
        batch_op.drop_column("channel")

    with op.batch_alter_table("optout", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_optout_recorded_by_account_id_account"), type_="foreignkey"
        )
        batch_op.drop_column("recorded_by_account_id")
        batch_op.drop_column("received_on")
        batch_op.drop_column("channel")

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_event_on_behalf_of_guardian_id_guardian"), type_="foreignkey"
        )
        batch_op.drop_column("on_behalf_of_name")
        batch_op.drop_column("on_behalf_of_guardian_id")

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_audit_event_on_behalf_of_guardian_id_guardian"), type_="foreignkey"
        )
        batch_op.drop_column("on_behalf_of_guardian_id")
