"""consent forms and answers

Revision ID: c1a7a1090003
Revises: c1a7a1090002
Create Date: 2026-11-23 21:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1a7a1090003"
down_revision = "c1a7a1090002"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _answer() -> sa.Enum:
    return _enum("consent_answer", "granted", "refused")


def _method() -> sa.Enum:
    return _enum("answer_method", "web", "paper", "phone")


def upgrade():
    op.create_table(
        "consent_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_year", sa.String(length=9), nullable=False),
        sa.Column(
            "kind",
            _enum(
                "consent_form_kind",
                "directory_information",
                "media_release",
                "military_recruiter",
                "ppra_survey",
                "tool_consent",
            ),
            nullable=False,
        ),
        sa.Column("tool_id", sa.Integer(), nullable=True),
        sa.Column("mode", _enum("consent_form_mode", "opt_in", "opt_out"), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("status", _enum("consent_form_status", "draft", "published"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_account_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_account_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(kind = 'tool_consent') = (tool_id IS NOT NULL)",
            name=op.f("ck_consent_form_tool_only_for_tool_consent"),
        ),
        sa.CheckConstraint("closes_on >= opens_on", name=op.f("ck_consent_form_window_in_order")),
        sa.ForeignKeyConstraint(
            ["created_by_account_id"],
            ["account.id"],
            name=op.f("fk_consent_form_created_by_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by_account_id"],
            ["account.id"],
            name=op.f("fk_consent_form_published_by_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["tool_id"], ["tool.id"], name=op.f("fk_consent_form_tool_id_tool")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_form")),
    )
    with op.batch_alter_table("consent_form", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_form_school_year"), ["school_year"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consent_form_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_consent_form_tool_id"), ["tool_id"], unique=False)

    op.create_table(
        "consent_form_school",
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["consent_form.id"],
            name=op.f("fk_consent_form_school_form_id_consent_form"),
        ),
        sa.ForeignKeyConstraint(
            ["school_id"], ["school.id"], name=op.f("fk_consent_form_school_school_id_school")
        ),
        sa.PrimaryKeyConstraint("form_id", "school_id", name=op.f("pk_consent_form_school")),
    )
    with op.batch_alter_table("consent_form_school", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_form_school_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "consent_form_grade",
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["consent_form.id"],
            name=op.f("fk_consent_form_grade_form_id_consent_form"),
        ),
        sa.PrimaryKeyConstraint("form_id", "grade", name=op.f("pk_consent_form_grade")),
    )

    op.create_table(
        "consent_form_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_account_id"],
            ["account.id"],
            name=op.f("fk_consent_form_version_created_by_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["consent_form.id"],
            name=op.f("fk_consent_form_version_form_id_consent_form"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_form_version")),
        sa.UniqueConstraint("form_id", "number", name=op.f("uq_consent_form_version_form_id")),
    )
    with op.batch_alter_table("consent_form_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consent_form_version_form_id"), ["form_id"], unique=False
        )

    op.create_table(
        "consent_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("answer", _answer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("method", _method(), nullable=False),
        sa.Column("entered_by_account_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by_account_id"],
            ["account.id"],
            name=op.f("fk_consent_answer_entered_by_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["form_id"], ["consent_form.id"], name=op.f("fk_consent_answer_form_id_consent_form")
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_consent_answer_guardian_id_guardian")
        ),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_consent_answer_student_id_student")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["consent_form_version.id"],
            name=op.f("fk_consent_answer_version_id_consent_form_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_answer")),
        sa.UniqueConstraint("form_id", "student_id", name=op.f("uq_consent_answer_form_id")),
    )
    with op.batch_alter_table("consent_answer", schema=None) as batch_op:
        batch_op.create_index("ix_consent_answer_form_answer", ["form_id", "answer"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consent_answer_guardian_id"), ["guardian_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consent_answer_student_id"), ["student_id"], unique=False
        )

    op.create_table(
        "consent_answer_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("answer", _answer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("method", _method(), nullable=False),
        sa.Column("entered_by_account_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by_account_id"],
            ["account.id"],
            name=op.f("fk_consent_answer_event_entered_by_account_id_account"),
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["consent_form.id"],
            name=op.f("fk_consent_answer_event_form_id_consent_form"),
        ),
        sa.ForeignKeyConstraint(
            ["guardian_id"],
            ["guardian.id"],
            name=op.f("fk_consent_answer_event_guardian_id_guardian"),
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["student.id"],
            name=op.f("fk_consent_answer_event_student_id_student"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["consent_form_version.id"],
            name=op.f("fk_consent_answer_event_version_id_consent_form_version"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_answer_event")),
    )
    with op.batch_alter_table("consent_answer_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consent_answer_event_form_student", ["form_id", "student_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consent_answer_event_guardian_id"), ["guardian_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consent_answer_event_student_id"), ["student_id"], unique=False
        )


def downgrade():
    for table, indexes in (
        (
            "consent_answer_event",
            [
                "ix_consent_answer_event_student_id",
                "ix_consent_answer_event_guardian_id",
                "ix_consent_answer_event_form_student",
            ],
        ),
        (
            "consent_answer",
            [
                "ix_consent_answer_student_id",
                "ix_consent_answer_guardian_id",
                "ix_consent_answer_form_answer",
            ],
        ),
        ("consent_form_version", ["ix_consent_form_version_form_id"]),
        ("consent_form_grade", []),
        ("consent_form_school", ["ix_consent_form_school_school_id"]),
        (
            "consent_form",
            ["ix_consent_form_tool_id", "ix_consent_form_status", "ix_consent_form_school_year"],
        ),
    ):
        if indexes:
            with op.batch_alter_table(table, schema=None) as batch_op:
                for name in indexes:
                    batch_op.drop_index(name)
        op.drop_table(table)
