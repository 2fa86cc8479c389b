"""Access probes for the vetting and tool-use pages: anonymous visitors are sent to sign in,
guardians never reach them, each staff role reaches only its own, and a forbidden record
answers exactly like a missing one (404) with an `access.denied` audit row."""

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.catalog.models import ToolUse, UseScope
from consent.extensions import db
from consent.vetting import operations as ops
from consent.vetting.models import VettingRequest
from tests.vetting.helpers import count, request_form

MISSING = 987_654


@pytest.fixture
def ids(app, demo):
    """Ms. Johnson's vetting request, and the tool uses of Room 12 (hers), Math 7 (Mr. Patel's)
    and the district."""
    with app.app_context():
        johnson = db.session.get(Account, demo.accounts["johnson"])
        request = ops.submit_request(actor=johnson, **request_form())
        db.session.commit()

        def use_of(section=None, scope=UseScope.SECTION):
            query = select(ToolUse.id).where(ToolUse.scope == scope)
            if section:
                query = query.where(ToolUse.section_id == demo.sections[section])
            return db.session.scalars(query.order_by(ToolUse.id)).first()

        return {
            "request": request.id,
            "room12_use": use_of("room12"),
            "math7_use": use_of("math7"),
            "district_use": use_of(scope=UseScope.DISTRICT),
        }


def urls(demo, ids) -> list[tuple[str, str]]:
    sec = demo.sections
    return [
        ("GET", "/vetting/new"),
        ("POST", "/vetting/new"),
        ("GET", "/vetting"),
        ("GET", f"/vetting/{ids['request']}"),
        ("GET", "/vetting/review"),
        ("GET", f"/vetting/{ids['request']}/decide"),
        ("POST", f"/vetting/{ids['request']}/decide"),
        ("GET", "/classes/tools"),
        ("GET", f"/sections/{sec['room12']}/tools"),
        ("POST", f"/sections/{sec['room12']}/tools"),
        ("GET", f"/tool-uses/{ids['room12_use']}/end"),
        ("POST", f"/tool-uses/{ids['room12_use']}/end"),
        ("GET", "/tool-uses"),
        ("POST", "/tool-uses"),
        ("GET", "/tool-uses/needs-action"),
    ]


def call(client, method, url, token=None):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf_token": token} if token else {})


def csrf(browser, page="/signin"):
    from tests.support import csrf_from

    return csrf_from(browser.get(page).get_data(as_text=True))


def test_anonymous_visitors_are_sent_to_sign_in(app, browser, demo, ids):
    token = csrf(browser)
    for method, url in urls(demo, ids):
        answer = call(browser.client, method, url, token)
        assert answer.status_code == 302, f"{method} {url}"
        assert answer.headers["Location"].split("?")[0].endswith("/signin"), f"{method} {url}"
    assert count(app, VettingRequest, VettingRequest.name == "Kahoot!") == 1


@pytest.mark.parametrize("persona", ["maria", "grace"])
def test_guardians_never_reach_these_pages(app, as_, demo, ids, persona):
    guardian = as_(persona)
    token = csrf(guardian, "/children")
    for method, url in urls(demo, ids):
        answer = call(guardian.client, method, url, token)
        assert answer.status_code == 404, f"{persona} {method} {url}: {answer.status_code}"
        assert "Kahoot" not in answer.get_data(as_text=True)
    assert count(app, VettingRequest, VettingRequest.name == "Kahoot!") == 1
    assert count(app, ToolUse, ToolUse.ends_on.is_not(None)) == 0


@pytest.mark.parametrize("persona", ["johnson", "brooks"])
def test_only_the_privacy_office_reviews_and_sets_wide_uses(as_, demo, ids, persona):
    staff = as_(persona)
    for url in (
        "/vetting/review",
        f"/vetting/{ids['request']}/decide",
        "/tool-uses",
        "/tool-uses/needs-action",
    ):
        assert staff.get(url).status_code == 404, f"{persona} {url}"


def denied(app) -> int:
    return count(app, AuditEvent, AuditEvent.action == "access.denied")


@pytest.mark.parametrize("persona", ["patel", "brooks"])
def test_another_persons_vetting_request_answers_like_a_missing_one(app, as_, ids, persona):
    staff = as_(persona)
    before = denied(app)
    other = staff.get(f"/vetting/{ids['request']}")
    missing = staff.get(f"/vetting/{MISSING}")
    assert other.status_code == missing.status_code == 404
    assert "Kahoot" not in other.get_data(as_text=True)
    assert denied(app) == before + 2
    assert "Kahoot" not in as_(persona).get("/vetting").get_data(as_text=True)


def test_the_requester_and_the_privacy_office_read_the_request(as_, ids):
    for persona in ("johnson", "lee"):
        assert "Kahoot!" in as_(persona).get(f"/vetting/{ids['request']}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("persona", "section"),
    [("johnson", "math7"), ("johnson", "room15"), ("brooks", "math7"), ("reed", "room12")],
)
def test_a_class_that_is_not_yours_answers_like_a_missing_one(app, as_, demo, persona, section):
    staff = as_(persona)
    before = denied(app)
    assert staff.get(f"/sections/{demo.sections[section]}/tools").status_code == 404
    assert staff.get(f"/sections/{MISSING}/tools").status_code == 404
    assert denied(app) == before + 2


@pytest.mark.parametrize(
    ("persona", "use", "allowed"),
    [
        ("johnson", "room12_use", True),
        ("johnson", "math7_use", False),
        ("johnson", "district_use", False),
        ("patel", "room12_use", False),
        ("lee", "math7_use", True),
        ("lee", "district_use", True),
    ],
)
def test_only_a_class_teacher_or_the_privacy_office_may_stop_a_use(
    app, as_, ids, persona, use, allowed
):
    staff = as_(persona)
    before = denied(app)
    answer = staff.get(f"/tool-uses/{ids[use]}/end")
    assert answer.status_code == (200 if allowed else 404)
    assert denied(app) == before + (0 if allowed else 1)
    if not allowed:
        assert staff.get(f"/tool-uses/{MISSING}/end").status_code == 404
        assert denied(app) == before + 2
