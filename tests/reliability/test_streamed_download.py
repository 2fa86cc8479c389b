"""A slow download must not stop the district's work: while the privacy office streams a long
CSV export, other people can still save changes (on SQLite, where one writer holds the lock)."""

import pytest
from sqlalchemy import create_engine, text

from consent.extensions import db

EXPORTS = [
    "/reports/overdue.csv",
    "/audit/export.csv",
    "/accounts/invitations/no-email.csv",
    "/catalog.csv",
]


def other_persons_write(app) -> None:
    """A change saved through a connection of its own, waiting at most half a second."""
    with app.app_context():
        url = db.engine.url
    args = {"timeout": 0.5} if url.get_backend_name() == "sqlite" else {}
    other = create_engine(url, connect_args=args)
    try:
        with other.begin() as connection:
            connection.execute(text("UPDATE school SET name = name WHERE id = 1"))
    finally:
        other.dispose()


@pytest.mark.parametrize("url", EXPORTS)
def test_others_can_save_while_an_export_is_being_downloaded(app, as_, url):
    lee = as_("lee")
    response = lee.get(url, buffered=False)
    assert response.status_code == 200
    received = 0
    try:
        for chunk in response.response:  # between two chunks the download's reads are open
            received += len(chunk)
            other_persons_write(app)  # before: "database is locked" after the busy timeout
    finally:
        response.close()
    assert received
