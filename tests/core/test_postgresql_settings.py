"""Settings every PostgreSQL connection of the app gets (see `consent._configure_postgresql`)."""

import pytest
from sqlalchemy import text

from consent.extensions import db


def test_postgresql_connections_never_compile_statements_with_jit(ctx):
    """JIT compiling a report statement cost 0.3-2.4 s for statements that run in 0.4-1 s
    (docs/benchmarks.md, issue 12): the app's statements are never long enough to repay it."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL setting")
    assert db.session.scalar(text("SHOW jit")) == "off"
