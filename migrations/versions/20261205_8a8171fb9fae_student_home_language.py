"""student.home_language: the home language kept per student, filled for every student

Revision ID: 8a8171fb9fae
Revises: 846d817d352e
Create Date: 2026-12-05 06:15:00.000000

The reports' coverage by home language worked out, on every view, the first link holding FERPA
rights of each student over all the district's links (most of /reports/consent-forms' 550 ms
for a district of 160,000 students). The column keeps that answer; consent.roster.home_language
keeps it current. The fill below is consent.consentforms.queries.home_language as of this
revision, written out in SQL so the migration does not depend on the code that follows it: the
preferred language of the guardian of the lowest-id link that is active, has rights, carries no
court order removing all rights or decisions, and, once the rights passed to the student (an
eligible_on day), is the student's own record's link.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "8a8171fb9fae"
down_revision = "846d817d352e"
branch_labels = None
depends_on = None

FILL = """
UPDATE student SET home_language = (
    SELECT g.preferred_language
    FROM guardian_link l JOIN guardian g ON g.id = l.guardian_id
    WHERE l.student_id = student.id
      AND l.active AND l.has_rights
      AND NOT EXISTS (
          SELECT 1 FROM link_restriction r
          WHERE r.guardian_link_id = l.id AND r.removes IN ('all_rights', 'decisions')
      )
      AND (student.eligible_on IS NULL OR g.student_id = l.student_id)
    ORDER BY l.id
    LIMIT 1
)
"""


def upgrade():
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_language", sa.String(length=16), nullable=True))
    op.execute(FILL)


def downgrade():
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_column("home_language")
