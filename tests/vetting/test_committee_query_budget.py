"""The committee's list pages answer from a bounded number of statements, the same with a
handful of rows as with 50: a reviewer's assigned requests, the office's reviewers (staff
accounts), the review queue with each request's progress, the rubric and the backlog report."""

import pytest
from sqlalchemy import insert, select

from consent.core import clock
from consent.extensions import db
from consent.roster.models import StaffRole
from consent.vetting.committee.models import Review, RubricItem
from consent.vetting.models import RequestStatus, VettingRequest
from tests import factories
from tests.vetting.test_query_budget import BUDGET, signed_in, statements


def _assigned_to_kim(app, demo, n: int) -> None:
    now = clock.now()
    first = db.session.scalar(select(db.func.count()).select_from(VettingRequest))
    rows = [
        {
            "name": f"Budget tool {first + i}",
            "vendor": "",
            "website": "https://example.com",
            "privacy_policy_url": "",
            "purpose": "Practice.",
            "grades": "K-5",
            "student_use": "On tablets.",
            "student_data": "Nothing.",
            "status": RequestStatus.IN_REVIEW,
            "requested_by_account_id": demo.accounts["johnson"],
            "submitted_at": now,
            "decision_note": "",
            "review_due_on": clock.today(),
        }
        for i in range(n)
    ]
    db.session.execute(insert(VettingRequest), rows)
    ids = db.session.scalars(
        select(VettingRequest.id).where(VettingRequest.name.like("Budget tool %"))
    ).all()
    have = set(
        db.session.scalars(
            select(Review.request_id).where(Review.reviewer_account_id == demo.accounts["kim"])
        )
    )
    db.session.execute(
        insert(Review),
        [
            {
                "request_id": rid,
                "reviewer_account_id": demo.accounts["kim"],
                "assigned_by_account_id": demo.accounts["lee"],
                "assigned_at": now,
                "note": "",
            }
            for rid in ids
            if rid not in have
        ],
    )


def _staff_accounts(app, demo, n: int) -> None:
    for _ in range(n):
        factories.account(factories.staff(role=StaffRole.TEACHER))


def _rubric_items(app, demo, n: int) -> None:
    last = db.session.scalar(select(db.func.max(RubricItem.position))) or 0
    db.session.add_all(
        RubricItem(title=f"Budget item {i}", guidance="", position=last + 1 + i) for i in range(n)
    )


PAGES = {
    "assigned to a reviewer": ("kim", "/vetting/assigned", _assigned_to_kim),
    "reviewers": ("lee", "/vetting/reviewers", _staff_accounts),
    "review queue with progress": ("lee", "/vetting/review", _assigned_to_kim),
    "rubric": ("lee", "/vetting/rubric", _rubric_items),
    "backlog report": ("lee", "/vetting/report", _assigned_to_kim),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_a_committee_page_costs_the_same_with_few_and_50_rows(app, demo, name):
    persona, url, add = PAGES[name]
    client = signed_in(app, persona)
    with app.app_context():
        add(app, demo, 1)
        db.session.commit()
    with_few = statements(app, client, url)
    with app.app_context():
        add(app, demo, 49)
        db.session.commit()
    with_fifty = statements(app, client, url)
    assert with_few <= BUDGET, f"{name}: {with_few} statements"
    assert with_fifty == with_few, f"{name}: {with_few} with few rows, {with_fifty} with 50"


def test_the_request_and_review_pages_stay_within_the_budget(app, demo):
    with app.app_context():
        ids = dict(db.session.execute(select(VettingRequest.name, VettingRequest.id)).all())
    pages = [
        ("kim", f"/vetting/{ids['Book Creator']}"),
        ("kim", f"/vetting/{ids['Quizlet']}/review"),
        ("lee", f"/vetting/{ids['Quizlet']}"),
        ("lee", f"/vetting/{ids['Quizlet']}/decide"),
        ("lee", f"/vetting/{ids['Book Creator']}/assign"),
        ("patel", f"/vetting/{ids['Canva']}/answer"),
    ]
    for persona, url in pages:
        seen = statements(app, signed_in(app, persona), url)
        assert seen <= BUDGET, f"{url}: {seen}"
