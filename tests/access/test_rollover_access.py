"""Access probes for the school-year rollover: its page and every action on it are the privacy
office's alone. Every other persona (guardians, a relative, teachers and principals of either
school) gets exactly what a missing page gives (404), changes nothing, and leaves one
`access.denied` row; an anonymous visitor is sent to sign in."""

import pytest
from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.extensions import db
from tests.access.test_probes import normalised
from tests.rollover.helpers import fingerprint, this_year
from tests.support import PERSONAS, csrf_from

OFFICE = "lee"
OTHERS = sorted(set(PERSONAS) - {OFFICE})  # guardians, relative, teachers, both principals


def probes(demo) -> list[tuple[str, str, dict]]:
    return [
        ("GET", "/rollover", {}),
        ("GET", f"/rollover?year={this_year()}", {}),
        ("POST", "/rollover", {"year": this_year()}),
        ("POST", "/rollover/rule", {"action": "end"}),
        ("POST", "/rollover/tools", {"tool": demo.tools["zoom"], "action": "end"}),
    ]


def denied(app) -> int:
    with app.app_context():
        n = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
        )
        db.session.remove()
    return n


def send(browser, method: str, url: str, data: dict, *, csrf_page: str = "/account"):
    if method == "GET":
        return browser.get(url)
    # A real token from a page the person may open, so the refusal is the gate's, not CSRF's.
    token = csrf_from(browser.get(csrf_page).get_data(as_text=True))
    return browser.client.post(url, data={"csrf_token": token, **data})


def test_the_probes_cover_every_persona():
    assert {"maria", "grace", "johnson", "kim", "patel", "brooks", "reed"} <= set(OTHERS)


@pytest.mark.parametrize("persona", OTHERS)
def test_everyone_but_the_office_meets_a_missing_page(app, as_, demo, persona):
    person = as_(persona)
    missing_page = normalised(person.get("/no-such-page").get_data(as_text=True))
    before = fingerprint(app)
    for method, url, data in probes(demo):
        count = denied(app)
        answer = send(person, method, url, data)
        assert answer.status_code == 404, (method, url)
        assert normalised(answer.get_data(as_text=True)) == missing_page, (method, url)
        assert denied(app) == count + 1, (method, url)
    after = fingerprint(app)
    after["counts"]["audit_event"] -= len(probes(demo))  # the refusals, and nothing else
    assert after == before


def test_an_anonymous_visitor_is_sent_to_sign_in(app, browser, demo):
    before = fingerprint(app)
    for method, url, data in probes(demo):
        answer = send(browser, method, url, data, csrf_page="/signin")
        assert answer.status_code == 302, (method, url)
        assert answer.headers["Location"].split("?")[0].endswith("/signin"), (method, url)
    assert fingerprint(app) == before


def test_the_office_opens_the_page_and_acts(app, as_, demo):
    lee = as_(OFFICE)
    for method, url, data in probes(demo):
        answer = send(lee, method, url, data)
        assert answer.status_code in (200, 302), (method, url, answer.status_code)
