"""Access probes for the annual notice's pages: editing, the history, sending, the not-reached
report and the printable list are the privacy office's alone. Every other persona (guardians, a
relative, teachers and principals of either school) meets exactly a missing page (404), changes
nothing and leaves one `access.denied` row; an anonymous visitor is sent to sign in. Families
read the notice on the public rights page. A language the district does not offer is a missing
page, for the office too."""

import pytest

from tests.access.test_probes import normalised
from tests.access.test_rollover_access import denied, send
from tests.notice.helpers import NOTICE, recipients, versions
from tests.rollover.helpers import fingerprint
from tests.support import PERSONAS

OFFICE = "lee"
OTHERS = sorted(set(PERSONAS) - {OFFICE})

PROBES = [
    ("GET", "/notice", {}),
    ("GET", "/notice/en/edit", {}),
    ("POST", "/notice/en/edit", NOTICE),
    ("GET", "/notice/en/history", {}),
    ("GET", "/notice/send", {}),
    ("POST", "/notice/send", {"expected": ""}),
    ("GET", "/notice/not-reached", {}),
    ("GET", "/notice/without-email", {}),
]
MISSING_LANGUAGE = [
    ("GET", "/notice/xx/edit", {}),
    ("POST", "/notice/xx/edit", NOTICE),
    ("GET", "/notice/xx/history", {}),
]


def test_the_probes_cover_every_persona_and_every_notice_url(app):
    assert {"maria", "grace", "johnson", "kim", "patel", "brooks", "reed"} <= set(OTHERS)
    with app.app_context():
        rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("notice.")}
    probed = {url.replace("/en/", "/<language>/") for _m, url, _d in PROBES}
    assert rules == probed


@pytest.mark.parametrize("persona", OTHERS)
def test_everyone_but_the_office_meets_a_missing_page(app, as_, persona):
    person = as_(persona)
    missing_page = normalised(person.get("/no-such-page").get_data(as_text=True))
    before = fingerprint(app)
    for method, url, data in PROBES + MISSING_LANGUAGE:
        count = denied(app)
        answer = send(person, method, url, data)
        assert answer.status_code == 404, (method, url)
        assert normalised(answer.get_data(as_text=True)) == missing_page, (method, url)
        assert denied(app) == count + 1, (method, url)
    after = fingerprint(app)
    after["counts"]["audit_event"] -= len(PROBES + MISSING_LANGUAGE)
    assert after == before


def test_an_anonymous_visitor_is_sent_to_sign_in_and_reads_the_rights_page(app, browser):
    before = fingerprint(app)
    for method, url, data in PROBES + MISSING_LANGUAGE:
        answer = send(browser, method, url, data, csrf_page="/signin")
        assert answer.status_code == 302, (method, url)
        assert answer.headers["Location"].split("?")[0].endswith("/signin"), (method, url)
    assert browser.get("/rights").status_code == 200
    assert fingerprint(app) == before


def test_a_language_the_district_does_not_offer_is_missing_for_the_office_too(app, as_):
    lee = as_(OFFICE)
    for method, url, data in MISSING_LANGUAGE:
        count = denied(app)
        assert send(lee, method, url, data).status_code == 404, (method, url)
        assert denied(app) == count + 1, (method, url)


def test_the_office_opens_every_page_and_acts(app, as_):
    lee = as_(OFFICE)
    for method, url, data in PROBES:
        answer = send(lee, method, url, data)
        assert answer.status_code in (200, 302), (method, url, answer.status_code)
    assert len(versions(app, "en")) == 2
    assert recipients(app) > 0
