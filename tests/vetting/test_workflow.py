"""A vetting request's status moves only along the workflow's table, whatever code moves it, and
the database keeps a decision's time and maker off a request that is still open."""

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from consent.accounts.models import Account
from consent.catalog.models import LegalBasis
from consent.core import clock
from consent.extensions import db
from consent.vetting import operations as ops
from consent.vetting.models import OPEN_STATUSES, RequestStatus, VettingRequest
from consent.vetting.rules import VettingError, move


def named(name: str) -> VettingRequest:
    return db.session.scalar(select(VettingRequest).where(VettingRequest.name == name))


def test_an_approved_request_cannot_go_back_to_submitted(ctx, demo):
    quizlet = named("Quizlet")  # both reviews in
    lee = db.session.get(Account, demo.accounts["lee"])
    ops.decide(
        actor=lee,
        request=quizlet,
        decision=RequestStatus.APPROVED,
        legal_basis=LegalBasis.SCHOOL_OFFICIAL,
    )
    db.session.commit()
    with pytest.raises(VettingError) as refused:
        move(quizlet, RequestStatus.SUBMITTED)
    assert str(refused.value) == "This request is approved; it cannot be moved to submitted."
    db.session.rollback()
    assert named("Quizlet").status is RequestStatus.APPROVED


@pytest.mark.parametrize(
    "name, target",
    [
        ("Padlet", RequestStatus.APPROVED),  # decided before anyone reviewed it
        ("Canva", RequestStatus.NOT_APPROVED),  # decided while the requester owes an answer
        ("Padlet", RequestStatus.MORE_INFORMATION),  # asked before anyone reviewed it
        ("FaceQuiz", RequestStatus.IN_REVIEW),  # a decision reopened
    ],
)
def test_a_move_the_workflow_does_not_have_is_refused_and_changes_nothing(ctx, demo, name, target):
    request = named(name)
    before = request.status
    lee = db.session.get(Account, demo.accounts["lee"])
    with pytest.raises(VettingError, match="cannot be moved to"):
        move(request, target, actor=lee)
    assert request.status is before
    assert (request.decided_at is None) == (before in OPEN_STATUSES)  # no decision stamped


def test_an_open_request_with_a_decision_time_is_refused_by_the_database(ctx, demo):
    lee = demo.accounts["lee"]
    for name in ("Padlet", "Book Creator", "Canva"):  # submitted, in review, more information
        with pytest.raises(IntegrityError):
            db.session.execute(
                update(VettingRequest)
                .where(VettingRequest.name == name)
                .values(decided_at=clock.now(), decided_by_account_id=lee)
            )
        db.session.rollback()
    # The control: a decided request keeps its decision.
    db.session.execute(
        update(VettingRequest)
        .where(VettingRequest.name == "FaceQuiz")
        .values(decided_at=clock.now(), decided_by_account_id=lee)
    )
    db.session.commit()
    assert named("FaceQuiz").decided_at is not None
