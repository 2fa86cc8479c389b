"""The schema comes from the migrations, and the migrations build exactly what the models say."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from consent.extensions import db


def test_migrations_have_a_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}"


def test_upgraded_database_matches_the_models(app):
    """`flask db upgrade` ran on an empty database at session start (see conftest)."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models and migrations disagree: {differences}"
