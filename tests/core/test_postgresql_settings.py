"""Settings every PostgreSQL connection of the app gets (see `consent._configure_postgresql`)."""

from sqlalchemy import text

from consent.extensions import db
from tests.support import make_app


def test_postgresql_connections_never_compile_statements_with_jit(ctx):
    """JIT compiling a report statement cost 0.3-2.4 s for statements that run in 0.4-1 s
    (docs/benchmarks.md, issue 12): the app's statements are never long enough to repay it.
    On PostgreSQL the server is asked; on SQLite, what an app for PostgreSQL would connect with
    (no connection is made)."""
    if db.engine.dialect.name == "postgresql":
        assert db.session.scalar(text("SHOW jit")) == "off"
        return
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["options"]
    assert "-c jit=off" in options.split(" -c ") or options.endswith("-c jit=off")
    assert options.count("jit=off") == 1
