"""The schema comes from the migrations, and the migrations build exactly what the models say."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, make_url, select, text

from consent.demo.operations import load_demo
from consent.extensions import db
from tests.support import make_app


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


def _scratch_database(database_url: str, tmp_path) -> str:
    """A database of the test's own beside the run's: a SQLite file, or on PostgreSQL
    `<name>_migrations`, emptied first."""
    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp_path / 'migrations.sqlite'}"
    url = make_url(database_url)
    url = url.set(database=f"{url.database}_migrations")
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": url.database}
        ):
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()
    own = create_engine(url)
    with own.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    own.dispose()
    return url.render_as_string(hide_password=False)


def test_the_newest_migration_goes_down_and_up_on_a_district_full_of_rows(database_url, tmp_path):
    """A district upgrades a database that holds its data, not an empty one. On SQLite a change
    to a table's constraints copies the table and drops the old one, which foreign keys from
    other tables' rows refused (c1fd50762210 on vetting_request, found in review): the newest
    migration is taken down and up again with the demo district loaded, and no row is left
    pointing at nothing."""
    app = make_app(_scratch_database(database_url, tmp_path))
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        counts = _row_counts()
        downgrade(revision="-1")
        upgrade()
        assert _row_counts() == counts
        with db.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                # The migrations' connection went back to the pool with its keys on again.
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.session.remove()
        db.engine.dispose()


def _row_counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            table.name: conn.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
