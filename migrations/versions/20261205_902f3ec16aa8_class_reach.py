"""class reach: the section part of the tools' reach, stored with its date ranges

Revision ID: 902f3ec16aa8
Revises: 8a8171fb9fae
Create Date: 2026-12-05 06:10:00.000000

The privacy office's opt-out rate per tool counted the students a class use reaches by joining
every enrollment (1.28 million in a 160,000-student district) to the sections' current uses and
the active students, about 370 ms of the page. `class_reach` holds those (use, enrollment)
pairs with the student's school and the days both run, kept by consent.catalog.class_reach;
the report reads it index-only in (tool, student) order. The rows are filled here from the
tables as they are (the same rule as consent.catalog.reach.class_reach_ranges, written out so
the migration does not change when the code does); `flask reports check-reach` compares them.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "902f3ec16aa8"
down_revision = "8a8171fb9fae"
branch_labels = None
depends_on = None

FILL = """
INSERT INTO class_reach (use_id, enrollment_id, tool_id, student_id, school_id, starts_on,
                         ends_on)
SELECT u.id, e.id, u.tool_id, s.id, s.school_id,
       CASE WHEN u.starts_on >= e.begin_date THEN u.starts_on ELSE e.begin_date END,
       CASE WHEN u.ends_on IS NULL THEN e.end_date
            WHEN e.end_date IS NULL THEN u.ends_on
            WHEN u.ends_on <= e.end_date THEN u.ends_on
            ELSE e.end_date END
FROM student s
JOIN enrollment e ON e.student_id = s.id
JOIN tool_use u ON u.scope = 'section' AND u.section_id = e.section_id
WHERE s.active
  AND (e.end_date IS NULL OR u.starts_on <= e.end_date)
  AND (u.ends_on IS NULL OR e.begin_date <= u.ends_on)
"""


def upgrade():
    op.create_table(
        "class_reach",
        sa.Column("use_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("tool_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollment.id"],
            name=op.f("fk_class_reach_enrollment_id_enrollment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["use_id"],
            ["tool_use.id"],
            name=op.f("fk_class_reach_use_id_tool_use"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("use_id", "enrollment_id", name=op.f("pk_class_reach")),
    )
    op.execute(FILL)
    with op.batch_alter_table("class_reach", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_class_reach_enrollment_id"), ["enrollment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_class_reach_student_id"), ["student_id"], unique=False)
        batch_op.create_index(
            "ix_class_reach_tool_student",
            ["tool_id", "student_id"],
            unique=False,
            postgresql_include=["school_id", "starts_on", "ends_on"],
        )


def downgrade():
    op.drop_table("class_reach")
