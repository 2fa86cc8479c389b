"""Helpers for the review committee's tests: the demo's two reviewers (Mr. Kim, Mr. Reed) are
assigned to a request and record their reviews, through the app's own operations. `reviewed`
is the one step every test that decides a request takes first (a decision needs the reviews)."""

from consent.accounts.models import Account
from consent.extensions import db
from consent.vetting import review
from consent.vetting.committee.models import Rating, Recommendation
from consent.vetting.models import VettingRequest
from consent.vetting.rubric import current_items

COMMITTEE = ("kim", "reed")
# Named a reviewer in a committee member's place when that member asked for the tool.
STAND_IN = "patel"


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
    """Two reviewers assigned and every review in: the office may decide. The demo's committee
    reviews, except a member who asked for the tool themselves (Mr. Kim asked for Wordwall):
    the office then names Mr. Patel a reviewer to take his place. Reviewers already assigned
    stay, and those who have not recorded their review yet record one (approve)."""
    with app.app_context():
        lee = db.session.get(Account, demo.accounts["lee"])
        request = db.session.get(VettingRequest, request_id)
        chosen = [
            db.session.get(Account, demo.accounts[key])
            for key in (*COMMITTEE, STAND_IN)
            if demo.accounts[key] != request.requested_by_account_id
        ][: review.MIN_REVIEWERS]
        for account in chosen:
            review.set_reviewer_duty(actor=lee, account=account, on=True)
        assigned = {r.reviewer_account_id for r in review.reviews_of(request)}
        if new := [a for a in chosen if a.id not in assigned]:
            review.assign_reviewers(actor=lee, request=request, chosen=new)
        for waiting in [r for r in review.reviews_of(request) if not r.submitted]:
            review.submit_review(
                actor=waiting.reviewer,
                request=request,
                findings=findings(),
                recommendation=Recommendation.APPROVE,
                note="",
            )
        db.session.commit()
