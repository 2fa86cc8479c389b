"""reports audit append only and calendar

Revision ID: c1a7a1090004
Revises: c1a7a1090003
Create Date: 2026-11-23 21:40:00

On PostgreSQL the audit log becomes append-only in the database itself: a row trigger refuses
every UPDATE and DELETE on audit_event, whoever asks. SQLite has no such guard; there the
application's own mapper events refuse (consent/audit/models.py). TRUNCATE fires no row trigger,
so an operator (or the test suite) can still empty the table on purpose.
"""

import sqlalchemy as sa  # noqa: F401
from alembic import op

# revision identifiers, used by Alembic.
revision = "c1a7a1090004"
down_revision = "c1a7a1090003"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE FUNCTION audit_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
