"""Access probes: only the privacy office reaches the roster-check pages; every other persona
and role meets a missing page (404, audited), and an anonymous visitor is sent to sign in.
Nobody else's probe saves a check. The pages cost the same statements for few rows or more."""

import io

import pytest
from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.enforcement.models import RosterCheck
from consent.extensions import db
from tests import support
from tests.access.test_probes import PERSONAS
from tests.enforcement.exports import identifier_csv, oneroster_12_zip
from tests.support import csrf_from, sign_in_client

MISSING = 987_654


def _check(app, demo) -> int:
    """A check made by the office, to probe."""
    client = app.test_client()
    sign_in_client(client, support.PERSONAS["lee"])
    token = csrf_from(client.get("/roster-checks").get_data(as_text=True))
    answer = client.post(
        "/roster-checks",
        data={
            "csrf_token": token,
            "tool": str(demo.tools["khan"]),
            "export": (io.BytesIO(identifier_csv("student-mateo", header="sourcedId")), "a.csv"),
        },
        content_type="multipart/form-data",
    )
    assert answer.status_code == 302
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def _checks(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(RosterCheck))


def _denied(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
        )


@pytest.mark.parametrize("persona", [*sorted(PERSONAS), "anonymous"])
def test_only_the_privacy_office_reaches_the_roster_checks(app, demo, persona):
    check_id = _check(app, demo)
    client = app.test_client()
    if persona != "anonymous":
        answer = sign_in_client(client, PERSONAS[persona])
        assert answer.status_code == 302
    office = persona == "lee"
    before = _denied(app)
    for url, allowed in (
        ("/roster-checks", 200),
        (f"/roster-checks/{check_id}", 200),
        (f"/roster-checks/{MISSING}", 404),
    ):
        answer = client.get(url)
        if persona == "anonymous":
            assert answer.status_code == 302 and "/signin" in answer.headers["Location"], url
        else:
            assert answer.status_code == (allowed if office else 404), (persona, url)
    # A post by anyone else saves nothing (their page has no form, so no token either).
    answer = client.post(
        "/roster-checks",
        data={
            "tool": str(demo.tools["khan"]),
            "export": (io.BytesIO(identifier_csv("S1")), "a.csv"),
        },
        content_type="multipart/form-data",
    )
    if not office:
        assert answer.status_code in (302, 400, 404), persona
        assert _checks(app) == 1
    if persona not in ("anonymous", "lee"):
        assert _denied(app) >= before + 3  # each refused page is in the audit log
    if office:
        assert _denied(app) == before + 1  # only the missing check


def _statements(app, client, url) -> int:
    with support.count_queries(app) as statements:
        answer = client.get(url)
    assert answer.status_code == 200, url
    return len(list(statements))


def test_the_pages_cost_the_same_for_one_row_and_for_more(app, demo):
    one = _check(app, demo)  # Khan: one student still there
    client = app.test_client()
    sign_in_client(client, support.PERSONAS["lee"])
    token = csrf_from(client.get("/roster-checks").get_data(as_text=True))
    export = oneroster_12_zip(["student-lucas", "student-mia", "student-olivia"], staff=[])
    answer = client.post(
        "/roster-checks",
        data={
            "csrf_token": token,
            "tool": str(demo.tools["flip"]),
            "export": (io.BytesIO(export), "f.zip"),
        },
        content_type="multipart/form-data",
    )
    three = int(answer.headers["Location"].rsplit("/", 1)[1])
    assert (
        _statements(app, client, f"/roster-checks/{one}")
        == _statements(app, client, f"/roster-checks/{three}")
        <= 12
    )
    list_one = _statements(app, client, "/roster-checks")
    _check(app, demo)
    assert _statements(app, client, "/roster-checks") == list_one <= 12
