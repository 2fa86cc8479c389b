"""Test set-up: a migrated database (SQLite file, or PostgreSQL from DATABASE_URL), the demo
district restored fresh for every test, a real SMTP server on loopback, and sign-in through the
real form with CSRF on. Helpers to import are in tests/support.py."""

import os
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from consent.demo.operations import load_demo
from consent.extensions import db
from tests.support import (
    Browser,
    Demo,
    SmtpSink,
    free_port,
    make_app,
    restore,
    wipe,
)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url and url.startswith("postgresql"):
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'consent.sqlite'}"


@pytest.fixture(scope="session")
def migrated(database_url) -> str:
    """`flask db upgrade` once per run: the schema always comes from the migrations."""
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture
def smtp():
    """A real SMTP server on loopback that keeps every message it receives."""
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def snapshot(migrated):
    """The demo district loaded once through the real operations, kept as rows to restore."""
    app = make_app(migrated)
    with app.app_context():
        wipe(app)
        district = load_demo()
        db.session.commit()
        ids = {
            kind: {key: obj.id for key, obj in getattr(district, kind).items()}
            for kind in (
                "schools",
                "staff",
                "sections",
                "students",
                "guardians",
                "accounts",
                "tools",
                "optouts",
            )
        }
        with db.engine.connect() as conn:
            rows = {
                table.name: [dict(row._mapping) for row in conn.execute(table.select())]
                for table in db.metadata.sorted_tables
            }
        db.session.remove()
        db.engine.dispose()
    return Demo(ids=ids), rows


@pytest.fixture
def app(snapshot, migrated, smtp):
    demo, rows = snapshot
    app = make_app(migrated, MAIL_PORT=smtp.port)
    with app.app_context():
        wipe(app)
        restore(rows)
    app.demo = demo
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo(app) -> Demo:
    return app.demo


@pytest.fixture
def ctx(app):
    """An app context for tests that call operations and queries directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
def as_(app):
    """as_("maria") → a Browser signed in as that persona."""

    def make(persona: str) -> Browser:
        b = Browser(app.test_client())
        b.sign_in(persona)
        return b

    return make


@pytest.fixture
def live_server(app):
    """The app served on a loopback port in a thread, for the browser tests."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)
