"""Helpers for the review committee's tests: the demo's two reviewers (Mr. Kim, Mr. Reed) are
assigned to a request and record their reviews, through the app's own operations."""

from consent.accounts.models import Account
from consent.extensions import db
from consent.vetting import review
from consent.vetting.committee.models import Rating, Recommendation
from consent.vetting.models import VettingRequest
from consent.vetting.rubric import current_items

COMMITTEE = ("kim", "reed")


def findings(rating: Rating = Rating.PASS, note: str = "") -> list[review.FindingAnswer]:
    return [review.FindingAnswer(item.id, rating, note) for item in current_items()]


def assign(demo, request_id: int, reviewers=COMMITTEE) -> None:
    """The office assigns the reviewers; the caller commits."""
    lee = db.session.get(Account, demo.accounts["lee"])
    review.assign_reviewers(
        actor=lee,
        request=db.session.get(VettingRequest, request_id),
        chosen=[db.session.get(Account, demo.accounts[key]) for key in reviewers],
    )


def record_review(demo, request_id: int, persona: str, recommendation=Recommendation.APPROVE):
    review.submit_review(
        actor=db.session.get(Account, demo.accounts[persona]),
        request=db.session.get(VettingRequest, request_id),
        findings=findings(),
        recommendation=recommendation,
        note="" if recommendation is Recommendation.APPROVE else "Reasons.",
    )


def reviewed(app, demo, request_id: int) -> None:
    """Both reviewers assigned and their reviews in: the office may decide."""
    with app.app_context():
        assign(demo, request_id)
        for persona in COMMITTEE:
            record_review(demo, request_id, persona)
        db.session.commit()
