"""Access probes for every page of the review committee, for every persona: anonymous visitors
are sent to sign in, guardians never reach them, and each staff member reaches exactly what the
oracle below says - restated from the demo's committee (Mr. Kim and Mr. Reed review Book
Creator, Quizlet, Canva and FaceQuiz; nobody reviews Padlet yet), never from consent.access.
A forbidden probe answers like a missing record (404), leaves an `access.denied` row and
changes nothing; a missing id answers 404 for everyone."""

import pytest
from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.vetting.committee.models import Finding, Question, Review, RubricItem
from consent.vetting.models import VettingRequest
from tests.support import csrf_from

MISSING = 987_654
STAFF = ("johnson", "kim", "patel", "brooks", "reed", "lee")
OFFICE = {"lee"}
COMMITTEE = {"kim", "reed"}
REQUESTERS = {"Padlet": "johnson", "Book Creator": "johnson", "Quizlet": "patel", "Canva": "patel"}


@pytest.fixture
def ids(app, demo):
    with app.app_context():
        found = dict(db.session.execute(select(VettingRequest.name, VettingRequest.id)).all())
        found["item"] = db.session.scalar(select(func.min(RubricItem.id)))
        found["kim_account"] = demo.accounts["kim"]
        return found


def gets(ids) -> list[tuple[str, set[str]]]:
    """Each page, and who may open it."""
    book, padlet, canva, quizlet = ids["Book Creator"], ids["Padlet"], ids["Canva"], ids["Quizlet"]
    return [
        ("/vetting/reviewers", OFFICE),
        ("/vetting/rubric", OFFICE),
        (f"/vetting/rubric/{ids['item']}", OFFICE),
        ("/vetting/report", OFFICE),
        ("/vetting/assigned", COMMITTEE),
        (f"/vetting/{book}/assign", OFFICE),
        (f"/vetting/{book}/review", COMMITTEE),
        (f"/vetting/{padlet}/review", set()),
        (f"/vetting/{canva}/answer", {"patel"}),
        (f"/vetting/{book}", OFFICE | COMMITTEE | {"johnson"}),
        (f"/vetting/{padlet}", OFFICE | {"johnson"}),
        (f"/vetting/{quizlet}", OFFICE | COMMITTEE | {"patel"}),
        (f"/vetting/{quizlet}/decide", OFFICE),
    ]


def posts(ids) -> list[tuple[str, set[str]]]:
    """Each change, and who may make it (probed only where forbidden: an allowed one is in
    test_committee.py)."""
    book, canva = ids["Book Creator"], ids["Canva"]
    return [
        (f"/vetting/reviewers/{ids['kim_account']}", OFFICE),
        ("/vetting/rubric", OFFICE),
        (f"/vetting/rubric/{ids['item']}", OFFICE),
        (f"/vetting/rubric/{ids['item']}/retire", OFFICE),
        (f"/vetting/rubric/{ids['item']}/up", OFFICE),
        (f"/vetting/{book}/assign", OFFICE),
        (f"/vetting/{book}/assign-in-turn", OFFICE),
        (f"/vetting/{book}/review", COMMITTEE),
        (f"/vetting/{canva}/answer", {"patel"}),
    ]


def with_missing(url: str, ids) -> str | None:
    for key in ("Book Creator", "Padlet", "Canva", "Quizlet", "item", "kim_account"):
        if f"/{ids[key]}" in url:
            return url.replace(f"/{ids[key]}", f"/{MISSING}", 1)
    return None


def state(app) -> tuple:
    """Everything a committee page could change."""
    with app.app_context():
        rows = (Review, Finding, Question, RubricItem)
        counts = tuple(db.session.scalar(select(func.count()).select_from(m)) for m in rows)
        reviewers = tuple(
            db.session.scalars(
                select(Account.id).where(Account.privacy_reviewer).order_by(Account.id)
            )
        )
        items = tuple(
            db.session.execute(
                select(RubricItem.title, RubricItem.position, RubricItem.retired_at)
            ).all()
        )
        statuses = tuple(db.session.execute(select(VettingRequest.id, VettingRequest.status)).all())
        submitted = tuple(db.session.scalars(select(Review.submitted_at).order_by(Review.id)))
        return counts, reviewers, items, statuses, submitted


def denied(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
        )


def test_anonymous_visitors_are_sent_to_sign_in(app, browser, ids):
    token = csrf_from(browser.get("/signin").get_data(as_text=True))
    before = state(app)
    for url, _ in gets(ids):
        answer = browser.client.get(url)
        assert answer.status_code == 302, url
        assert answer.headers["Location"].split("?")[0].endswith("/signin"), url
    for url, _ in posts(ids):
        answer = browser.client.post(url, data={"csrf_token": token})
        assert answer.status_code == 302, url
    assert state(app) == before


@pytest.mark.parametrize("persona", ["maria", "grace"])
def test_guardians_never_reach_these_pages(app, as_, ids, persona):
    guardian = as_(persona)
    token = csrf_from(guardian.get("/children").get_data(as_text=True))
    before = state(app)
    for url, _ in gets(ids):
        assert guardian.get(url).status_code == 404, url
    for url, _ in posts(ids):
        assert guardian.client.post(url, data={"csrf_token": token}).status_code == 404, url
    assert state(app) == before


@pytest.mark.parametrize("persona", STAFF)
def test_each_staff_member_reaches_exactly_their_pages(app, as_, ids, persona):
    staff = as_(persona)
    token = csrf_from(staff.get("/vetting").get_data(as_text=True))
    before = state(app)
    for url, allowed in gets(ids):
        expected = 200 if persona in allowed else 404
        refusals = denied(app)
        answer = staff.get(url)
        assert answer.status_code == expected, f"{persona} GET {url}: {answer.status_code}"
        assert denied(app) == refusals + (expected == 404), f"{persona} GET {url}: audit"
        missing = with_missing(url, ids)
        if missing:
            assert staff.get(missing).status_code == 404, f"{persona} GET {missing}"
    for url, allowed in posts(ids):
        if persona in allowed:
            continue
        refusals = denied(app)
        answer = staff.client.post(url, data={"csrf_token": token, "on": "0"})
        assert answer.status_code == 404, f"{persona} POST {url}: {answer.status_code}"
        assert denied(app) == refusals + 1, f"{persona} POST {url}: audit"
    assert state(app) == before, persona


def test_a_reviewer_whose_duty_ended_no_longer_reaches_the_requests(app, as_, ids, demo):
    with app.app_context():
        db.session.get(Account, demo.accounts["kim"]).privacy_reviewer = False
        db.session.commit()
    kim = as_("kim")
    for url in (
        "/vetting/assigned",
        f"/vetting/{ids['Book Creator']}",
        f"/vetting/{ids['Book Creator']}/review",
    ):
        assert kim.get(url).status_code == 404, url
