"""The embedded default's connection settings: a commit waits for the disk unless told not to."""

import pytest
from sqlalchemy import text

from consent.extensions import db
from tests.support import make_app

pytestmark = pytest.mark.own_database  # SQLite files of its own, whatever DATABASE_URL says


def _pragma(app, name: str) -> int:
    with app.app_context():
        value = db.session.execute(text(f"PRAGMA {name}")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    return value


def test_a_commit_waits_for_the_disk_unless_configured_otherwise(tmp_path):
    url = f"sqlite:///{tmp_path / 'settings.sqlite'}"
    full = make_app(url, SQLITE_SYNCHRONOUS="FULL")
    assert _pragma(full, "synchronous") == 2  # FULL
    assert _pragma(full, "journal_mode") == "wal"
    assert _pragma(make_app(url), "synchronous") == 0  # the tests' throw-away files: OFF


def test_an_unknown_synchronous_setting_refuses_to_start(tmp_path):
    with pytest.raises(RuntimeError, match="SQLITE_SYNCHRONOUS"):
        make_app(f"sqlite:///{tmp_path / 'x.sqlite'}", SQLITE_SYNCHRONOUS="sometimes")
