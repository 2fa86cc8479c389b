"""What the request page and the decision page show of the review, by who is looking
(consent.vetting.views uses these; the committee's own pages are in review_views)."""

from flask_login import current_user

from consent.access import (
    may_answer_question,
    may_assign_reviewers,
    may_decide_vetting,
    may_read_findings,
    may_review,
)
from consent.core.errors import DomainError
from consent.vetting import review, review_queries
from consent.vetting.models import RequestStatus, VettingRequest


def ready_for_decision(vetting_request: VettingRequest) -> str | None:
    """None when the office may decide now; else why not, in words."""
    try:
        review.check_ready_for_decision(vetting_request)
    except DomainError as why:
        return str(why)
    return None


def detail_context(vetting_request: VettingRequest) -> dict:
    """What the request page shows beside the request, by who is looking: the office every
    review with its findings; a reviewer their own; the requester the status, the office's
    questions and its reasons, never a reviewer's notes."""
    office = may_decide_vetting(current_user)
    reviewer = may_review(current_user, vetting_request)
    status = vetting_request.status
    open_now = not vetting_request.decided
    return {
        "may_decide": office and status is RequestStatus.IN_REVIEW,
        "not_ready": ready_for_decision(vetting_request) if office and open_now else None,
        "may_assign": may_assign_reviewers(current_user)
        and status in (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW),
        "may_answer": may_answer_question(current_user, vetting_request)
        and status is RequestStatus.MORE_INFORMATION,
        "may_withdraw_question": office and status is RequestStatus.MORE_INFORMATION,
        "reviews": review_queries.reviews_in_full(vetting_request)
        if may_read_findings(current_user)
        else None,
        "own_review": review.own_review(current_user, vetting_request) if reviewer else None,
        "may_review": reviewer and status is RequestStatus.IN_REVIEW,
        "questions": review.questions_of(vetting_request),
        "sees_deadline": office or reviewer,
    }
