"""vetting review committee: reviewers, an editable rubric, reviews with findings, questions
to the requester, and a review deadline with reminders and escalation

Revision ID: ea7cc2b86319
Revises: e3b1c7d90a21
Create Date: 2026-12-04 22:49:05

A request waiting for review gets two new states (in review; more information needed, back
with the requester). The rubric starts with the defaults drawn from the national data privacy
agreement's concerns (consent.vetting.rubric.DEFAULT_ITEMS).
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

OLD_STATUSES = ("submitted", "approved", "approved_with_conditions", "not_approved")
NEW_STATUSES = ("submitted", "in_review", "more_information", *OLD_STATUSES[1:])
# The rubric's defaults, as consent.vetting.rubric.DEFAULT_ITEMS had them at this revision.
DEFAULT_ITEMS = (
    (
        "Data collected",
        "Which NDPA data categories the tool collects, and whether each is needed for the purpose.",
    ),
    (
        "Sharing with third parties",
        "Who else receives student data (subprocessors, partners), and under what terms.",
    ),
    (
        "Advertising and selling data",
        "No targeted advertising to students, no selling or renting of student data.",
    ),
    (
        "Retention and deletion",
        "How long data is kept, and whether the district can have it deleted when the service "
        "ends.",
    ),
    (
        "Security practices",
        "Encryption, access controls, breach notification and a security programme.",
    ),
    (
        "Accounts for children under 13 (COPPA)",
        "Whether children under 13 make accounts, and on what consent.",
    ),
    (
        "Signed data privacy agreement",
        "Whether the vendor has signed (or will sign) the district's data privacy agreement.",
    ),
)
OPEN = "status IN ('submitted', 'in_review', 'more_information')"


# revision identifiers, used by Alembic.
revision = "ea7cc2b86319"
down_revision = "e3b1c7d90a21"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "vetting_rubric_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("guidance", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vetting_rubric_item")),
    )
    op.create_table(
        "vetting_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("asked_by_account_id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["asked_by_account_id"],
            ["account.id"],
            name=op.f("fk_vetting_question_asked_by_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["vetting_request.id"],
            name=op.f("fk_vetting_question_request_id_vetting_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vetting_question")),
    )
    with op.batch_alter_table("vetting_question", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vetting_question_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "vetting_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_account_id", sa.Integer(), nullable=False),
        sa.Column("assigned_by_account_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "recommendation",
            sa.Enum(
                "approve",
                "approve_with_conditions",
                "decline",
                name="vetting_recommendation",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assigned_by_account_id"],
            ["account.id"],
            name=op.f("fk_vetting_review_assigned_by_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["vetting_request.id"],
            name=op.f("fk_vetting_review_request_id_vetting_request"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_account_id"],
            ["account.id"],
            name=op.f("fk_vetting_review_reviewer_account_id_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vetting_review")),
        sa.UniqueConstraint(
            "request_id", "reviewer_account_id", name=op.f("uq_vetting_review_request_id")
        ),
    )
    with op.batch_alter_table("vetting_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vetting_review_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_vetting_review_reviewer_account_id"),
            ["reviewer_account_id"],
            unique=False,
        )

    op.create_table(
        "vetting_review_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reminded",
                "escalated",
                name="vetting_review_step_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["vetting_request.id"],
            name=op.f("fk_vetting_review_step_request_id_vetting_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vetting_review_step")),
        sa.UniqueConstraint(
            "request_id", "kind", "due_on", name=op.f("uq_vetting_review_step_request_id")
        ),
    )
    with op.batch_alter_table("vetting_review_step", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vetting_review_step_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "vetting_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("rubric_item_id", sa.Integer(), nullable=False),
        sa.Column(
            "rating",
            sa.Enum(
                "pass",
                "concern",
                "fail",
                name="vetting_rating",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["vetting_review.id"],
            name=op.f("fk_vetting_finding_review_id_vetting_review"),
        ),
        sa.ForeignKeyConstraint(
            ["rubric_item_id"],
            ["vetting_rubric_item.id"],
            name=op.f("fk_vetting_finding_rubric_item_id_vetting_rubric_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vetting_finding")),
        sa.UniqueConstraint(
            "review_id", "rubric_item_id", name=op.f("uq_vetting_finding_review_id")
        ),
    )
    with op.batch_alter_table("vetting_finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vetting_finding_review_id"), ["review_id"], unique=False
        )

    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("privacy_reviewer", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.alter_column("privacy_reviewer", server_default=None)

    with op.batch_alter_table("vetting_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("review_due_on", sa.Date(), nullable=True))
        batch_op.drop_constraint(
            batch_op.f("ck_vetting_request_vetting_request_status"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("ck_vetting_request_decision_recorded"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_vetting_request_vetting_request_status"),
            sa.column("status").in_(NEW_STATUSES),
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_vetting_request_decision_recorded"),
            f"{OPEN} OR (decided_at IS NOT NULL AND decided_by_account_id IS NOT NULL)",
        )

    # Requests already waiting when the committee arrives get a deadline too, or reminders and
    # the backlog's overdue count would never see them: two weeks from the upgrade (about ten
    # school days; the school calendar is not read inside a migration).
    requests = sa.table(
        "vetting_request",
        sa.column("status", sa.String),
        sa.column("review_due_on", sa.Date),
    )
    op.execute(
        requests.update()
        .where(requests.c.status == "submitted")
        .values(review_due_on=(datetime.now(UTC) + timedelta(days=14)).date())
    )

    items = sa.table(
        "vetting_rubric_item",
        sa.column("title", sa.String),
        sa.column("guidance", sa.Text),
        sa.column("position", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)  # a migration runs outside the app: no consent.core.clock here
    op.bulk_insert(
        items,
        [
            {"title": title, "guidance": guidance, "position": number, "created_at": now}
            for number, (title, guidance) in enumerate(DEFAULT_ITEMS, start=1)
        ],
    )


def downgrade():
    # Requests still in review go back to waiting; those returned to the requester too.
    op.execute(
        "UPDATE vetting_request SET status = 'submitted' "
        "WHERE status IN ('in_review', 'more_information')"
    )
    with op.batch_alter_table("vetting_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_vetting_request_vetting_request_status"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("ck_vetting_request_decision_recorded"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_vetting_request_vetting_request_status"),
            sa.column("status").in_(OLD_STATUSES),
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_vetting_request_decision_recorded"),
            "status = 'submitted' OR "
            "(decided_at IS NOT NULL AND decided_by_account_id IS NOT NULL)",
        )
        batch_op.drop_column("review_due_on")

    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("privacy_reviewer")

    with op.batch_alter_table("vetting_finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vetting_finding_review_id"))

    op.drop_table("vetting_finding")
    with op.batch_alter_table("vetting_review_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vetting_review_step_request_id"))

    op.drop_table("vetting_review_step")
    with op.batch_alter_table("vetting_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vetting_review_reviewer_account_id"))
        batch_op.drop_index(batch_op.f("ix_vetting_review_request_id"))

    op.drop_table("vetting_review")
    with op.batch_alter_table("vetting_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vetting_question_request_id"))

    op.drop_table("vetting_question")
    op.drop_table("vetting_rubric_item")
