"""Who takes part in reviewing a vetting request (issue 14).

The privacy office names reviewers (staff accounts with the privacy-reviewer duty), assigns them
to requests, keeps the rubric, reads every finding and decides. A reviewer reads and reviews only
the requests assigned to them, and sees only their own findings. The requester follows the
status, the office's questions and its reasons, never a reviewer's notes.
"""

from sqlalchemy import exists, select

from consent.access.policy import deny
from consent.accounts.models import Account, Role
from consent.extensions import db
from consent.vetting.committee.models import Review, RubricItem
from consent.vetting.models import VettingRequest


def _is_privacy_office(actor: Account) -> bool:
    return actor.role is Role.PRIVACY_OFFICER


def may_name_reviewers(actor: Account) -> bool:
    """The privacy office gives and takes away the privacy-reviewer duty."""
    return _is_privacy_office(actor)


def may_keep_rubric(actor: Account) -> bool:
    """The privacy office edits the district's review rubric."""
    return _is_privacy_office(actor)


def may_assign_reviewers(actor: Account) -> bool:
    """The privacy office chooses who reviews each request."""
    return _is_privacy_office(actor)


def may_read_findings(actor: Account) -> bool:
    """Every reviewer's findings and notes: the office, which decides with all in view."""
    return _is_privacy_office(actor)


def may_see_vetting_report(actor: Account) -> bool:
    """The review backlog and the time to decision: the office's report."""
    return _is_privacy_office(actor)


def can_be_reviewer(account: Account) -> bool:
    """The duty is for active district staff accounts only."""
    return account.is_staff and account.active


def is_reviewer(actor: Account) -> bool:
    """A staff account the office gave the privacy-reviewer duty: it has a list of assigned
    requests."""
    return can_be_reviewer(actor) and actor.privacy_reviewer


def assigned_condition(actor: Account):
    """SQL: the request is assigned to the actor for review."""
    return exists().where(
        Review.request_id == VettingRequest.id, Review.reviewer_account_id == actor.id
    )


def is_assigned(actor: Account, request: VettingRequest) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Review.request_id == request.id, Review.reviewer_account_id == actor.id
                )
            )
        )
    )


def may_review(actor: Account, request: VettingRequest) -> bool:
    """A reviewer with the duty, assigned to this request."""
    return is_reviewer(actor) and is_assigned(actor, request)


def may_answer_question(actor: Account, request: VettingRequest) -> bool:
    """The requester answers the office's question about their own request."""
    return request.requested_by_account_id == actor.id


def reviewer_account_or_404(actor: Account, account_id: int) -> Account:
    """A staff account whose duty the office changes; anything else answers like missing."""
    if not may_name_reviewers(actor):
        deny(actor, f"account:{account_id}:reviewer")
    account = db.session.get(Account, account_id)
    if account is None or not account.is_staff:
        deny(actor, f"account:{account_id}:reviewer")
    return account


def rubric_item_or_404(actor: Account, item_id: int) -> RubricItem:
    if not may_keep_rubric(actor):
        deny(actor, f"vetting_rubric_item:{item_id}")
    item = db.session.get(RubricItem, item_id)
    if item is None:
        deny(actor, f"vetting_rubric_item:{item_id}")
    return item
