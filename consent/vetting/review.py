"""The review committee (issue 14): the privacy office names reviewers and assigns two or more
to each request (its choice, or the next in turn); each reviewer records a finding per rubric
item and a recommendation; the office then decides with every finding in view
(consent.vetting.operations.decide), or asks the requester for more information, which returns
the request to them with the question until they answer.

Each operation checks its rule, changes rows, writes its audit row and notifications in the
caller's transaction and flushes; a refusal raises ReviewError and changes nothing."""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consent.access import (
    can_be_reviewer,
    is_reviewer,
    may_answer_question,
    may_assign_reviewers,
    may_decide_vetting,
    may_name_reviewers,
    may_review,
)
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.core import clock
from consent.core.errors import DomainError
from consent.extensions import db
from consent.notifications.operations import notify
from consent.schoolcalendar.days import add_school_days, closures_from
from consent.vetting.committee.models import (
    Finding,
    Question,
    Rating,
    Recommendation,
    Review,
    RubricItem,
)
from consent.vetting.models import OPEN_STATUSES, RequestStatus, VettingRequest
from consent.vetting.rubric import current_items, ensure_default_rubric
from consent.vetting.rules import move

MIN_REVIEWERS = 2
# The committee has this many school days from the request (or from the requester's answer)
# to be ready for the office's decision; reminders and escalation follow (escalation.py).
REVIEW_WITHIN_SCHOOL_DAYS = 10
TEXT_MAX = 4000


class ReviewError(DomainError):
    """A change the committee's rules refuse; the message is shown to the person."""


def review_due(today: date) -> date:
    return add_school_days(today, REVIEW_WITHIN_SCHOOL_DAYS, closures_from(today, 60))


def _lock(request: VettingRequest) -> None:
    """Changes to one request take turns (a row lock on PostgreSQL); then read it afresh."""
    db.session.execute(
        select(VettingRequest.id).where(VettingRequest.id == request.id).with_for_update()
    )
    db.session.refresh(request)


# --- reviewers ---------------------------------------------------------------------------------


def set_reviewer_duty(*, actor: Account, account: Account, on: bool) -> None:
    """Give or take away the privacy-reviewer duty. Taken away, the person no longer reaches
    the requests assigned to them: the reviews they had not recorded on requests still open
    are withdrawn (so no decision waits for them; the office assigns someone else), and those
    they recorded stay for the office to read."""
    if not may_name_reviewers(actor):
        raise ReviewError(_l("Only the privacy office names reviewers."))
    if on and not can_be_reviewer(account):
        raise ReviewError(_l("Only an active district staff account can review."))
    if account.privacy_reviewer == on:
        return
    account.privacy_reviewer = on
    if not on:
        open_requests = select(VettingRequest.id).where(VettingRequest.status.in_(OPEN_STATUSES))
        for pending in db.session.scalars(
            select(Review).where(
                Review.reviewer_account_id == account.id,
                Review.submitted_at.is_(None),
                Review.request_id.in_(open_requests),
            )
        ):
            db.session.delete(pending)
    record(actor, "vetting.reviewer_duty", target=f"account:{account.id}")
    db.session.flush()


def reviewers() -> list[Account]:
    """Every account with the duty, in a stable order (the round-robin's turn)."""
    return [
        a
        for a in db.session.scalars(
            select(Account)
            .where(Account.privacy_reviewer.is_(True), Account.active.is_(True))
            .order_by(Account.id)
        )
        if can_be_reviewer(a)
    ]


def reviews_of(request: VettingRequest) -> list[Review]:
    """The request's reviews that count: those recorded, and those still owed by someone who
    holds the duty. A review owed by a person who no longer does (the office took the duty
    away, or the roster ended their account) holds up no decision and gets no reminder; the
    office assigns someone else."""
    return [
        review
        for review in db.session.scalars(
            select(Review)
            .where(Review.request_id == request.id)
            .order_by(Review.assigned_at, Review.id)
        ).unique()
        if review.submitted or is_reviewer(review.reviewer)
    ]


def assign_reviewers(
    *,
    actor: Account,
    request: VettingRequest,
    chosen: list[Account],
    now: datetime | None = None,
) -> list[Review]:
    """The office assigns reviewers (more may join a request already in review); a request
    needs at least two. Each new reviewer is emailed. Returns the new reviews."""
    if not may_assign_reviewers(actor):
        raise ReviewError(_l("Only the privacy office assigns reviewers."))
    _lock(request)
    if request.status not in (RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW):
        raise ReviewError(_l("Reviewers can be assigned only while a request is being reviewed."))
    already = {r.reviewer_account_id for r in reviews_of(request)}
    new = [a for a in dict.fromkeys(chosen) if a.id not in already]
    for account in new:
        if not (can_be_reviewer(account) and account.privacy_reviewer):
            raise ReviewError(_l("%(name)s is not a privacy reviewer.", name=account.display_name))
        if account.id == request.requested_by_account_id:
            raise ReviewError(
                _l("%(name)s asked for this tool and cannot review it.", name=account.display_name)
            )
    if not new:
        raise ReviewError(_l("Choose at least one reviewer who is not assigned yet."))
    if len(already) + len(new) < MIN_REVIEWERS:
        raise ReviewError(
            _l("Every request needs at least %(count)s reviewers.", count=MIN_REVIEWERS)
        )
    now = now or clock.now()
    added = []
    for account in new:
        review = Review(
            request_id=request.id,
            reviewer_account_id=account.id,
            assigned_by_account_id=actor.id,
            assigned_at=now,
            note="",
        )
        db.session.add(review)
        added.append(review)
        if account.staff is not None:
            notify(
                template="vetting/assigned",
                link=f"/vetting/{request.id}/review",
                staff=account.staff,
                vetting_request=request,
            )
    if request.status is RequestStatus.SUBMITTED:
        move(request, RequestStatus.IN_REVIEW)
    db.session.flush()
    record(actor, "vetting.assign", target=f"vetting_request:{request.id}")
    db.session.flush()
    return added


def next_in_turn(request: VettingRequest, count: int = MIN_REVIEWERS) -> list[Account]:
    """Round-robin: the reviewers after the one assigned most recently (in the duty's order),
    leaving out the requester and those already on this request."""
    pool = reviewers()
    last = db.session.scalar(
        select(Review.reviewer_account_id)
        .order_by(Review.assigned_at.desc(), Review.id.desc())
        .limit(1)
    )
    ids = [a.id for a in pool]
    start = ids.index(last) + 1 if last in ids else 0
    already = {r.reviewer_account_id for r in reviews_of(request)}
    turn = pool[start:] + pool[:start]
    eligible = [a for a in turn if a.id != request.requested_by_account_id and a.id not in already]
    # Enough to reach `count` reviewers; a request that has them already gets one more.
    return eligible[: max(count - len(already), 1)]


def assign_in_turn(
    *, actor: Account, request: VettingRequest, now: datetime | None = None
) -> list[Review]:
    """The office lets the round-robin pick the reviewers."""
    if not may_assign_reviewers(actor):
        raise ReviewError(_l("Only the privacy office assigns reviewers."))
    chosen = next_in_turn(request)
    if not chosen:
        raise ReviewError(_l("Name more privacy reviewers first."))
    return assign_reviewers(actor=actor, request=request, chosen=chosen, now=now)


# --- a reviewer's findings ---------------------------------------------------------------------


@dataclass
class FindingAnswer:
    item_id: int
    rating: Rating | None
    note: str = ""


def own_review(actor: Account, request: VettingRequest) -> Review | None:
    return db.session.scalar(
        select(Review).where(
            Review.request_id == request.id, Review.reviewer_account_id == actor.id
        )
    )


def submit_review(
    *,
    actor: Account,
    request: VettingRequest,
    findings: list[FindingAnswer],
    recommendation: Recommendation | None,
    note: str = "",
    now: datetime | None = None,
) -> Review:
    """An assigned reviewer records a finding for every current rubric item (a concern or a
    fail says why) and a recommendation; they may change it until the office decides."""
    if not may_review(actor, request):
        raise ReviewError(_l("Only a reviewer assigned to this request can review it."))
    _lock(request)
    if request.status is not RequestStatus.IN_REVIEW:
        raise ReviewError(_l("This request is not being reviewed now."))
    review = own_review(actor, request)
    ensure_default_rubric()
    items = current_items()
    given = {f.item_id: f for f in findings}
    for item in items:
        answer = given.get(item.id)
        if answer is None or answer.rating is None:
            raise ReviewError(_l("Give a finding for “%(item)s”.", item=item.title))
        if answer.rating is not Rating.PASS and not answer.note.strip():
            raise ReviewError(_l("Say what the concern is for “%(item)s”.", item=item.title))
        if len(answer.note) > TEXT_MAX:
            raise ReviewError(_l("This text is too long."))
    if recommendation is None:
        raise ReviewError(_l("Choose a recommendation."))
    note = note.strip()
    if recommendation is not Recommendation.APPROVE and not note:
        raise ReviewError(_l("Explain your recommendation for the privacy office."))
    existing = {f.rubric_item_id: f for f in review.findings}
    for item in items:
        answer = given[item.id]
        finding = existing.get(item.id)
        if finding is None:
            finding = Finding(rubric_item_id=item.id)
            review.findings.append(finding)
        finding.rating = answer.rating
        finding.note = answer.note.strip()
    review.recommendation = recommendation
    review.note = note
    review.submitted_at = now or clock.now()
    record(actor, "vetting.review", target=f"vetting_request:{request.id}")
    db.session.flush()
    return review


def missing_reviews(request: VettingRequest) -> list[Review]:
    return [r for r in reviews_of(request) if not r.submitted]


def check_ready_for_decision(request: VettingRequest) -> None:
    """The office decides only with every finding in: at least two reviewers assigned, and
    each one's review submitted."""
    if request.status is RequestStatus.MORE_INFORMATION:
        raise ReviewError(_l("The requester has not answered the question yet."))
    reviews = reviews_of(request)
    if request.status is RequestStatus.SUBMITTED or len(reviews) < MIN_REVIEWERS:
        raise ReviewError(_l("Assign at least %(count)s reviewers first.", count=MIN_REVIEWERS))
    waiting = [r for r in reviews if not r.submitted]
    if waiting:
        raise ReviewError(
            _l(
                "Wait for every review: %(names)s has not recorded findings yet.",
                names=", ".join(r.reviewer.display_name for r in waiting),
            )
        )


# --- more information --------------------------------------------------------------------------


def ask_for_information(
    *,
    actor: Account,
    request: VettingRequest,
    question: str,
    now: datetime | None = None,
) -> Question:
    """The office's fourth decision: return the request to its requester with a question.
    The review's deadline waits until they answer."""
    if not may_decide_vetting(actor):
        raise ReviewError(_l("Only the privacy office can decide on a vetting request."))
    _lock(request)
    if request.decided:
        raise ReviewError(_l("This request has already been decided."))
    check_ready_for_decision(request)
    if request.requested_by is None:
        raise ReviewError(
            _l("The re-review schedule opened this request: there is no requester to ask.")
        )
    question = question.strip()
    if not question:
        raise ReviewError(_l("Write the question for the requester."))
    now = now or clock.now()
    asked = Question(
        request_id=request.id,
        asked_by_account_id=actor.id,
        asked_at=now,
        question=question,
        answer="",
    )
    db.session.add(asked)
    move(request, RequestStatus.MORE_INFORMATION)
    db.session.flush()
    record(actor, "vetting.ask", target=f"vetting_request:{request.id}")
    requester = request.requested_by.staff
    if requester is not None:
        notify(
            template="vetting/more_information",
            link=f"/vetting/{request.id}",
            staff=requester,
            vetting_request=request,
            question=question,
        )
    db.session.flush()
    return asked


def open_question(request: VettingRequest) -> Question | None:
    return db.session.scalar(
        select(Question)
        .where(
            Question.request_id == request.id,
            Question.answered_at.is_(None),
            Question.withdrawn_at.is_(None),
        )
        .order_by(Question.id.desc())
        .limit(1)
    )


def questions_of(request: VettingRequest) -> list[Question]:
    return list(
        db.session.scalars(
            select(Question).where(Question.request_id == request.id).order_by(Question.id)
        )
    )


def answer_question(
    *,
    actor: Account,
    request: VettingRequest,
    answer: str,
    now: datetime | None = None,
) -> Question:
    """The requester answers; the request returns to review with a new due date, and its
    reviewers are told."""
    if not may_answer_question(actor, request):
        raise ReviewError(_l("Only the person who asked for the tool can answer."))
    _lock(request)
    question = open_question(request)
    if request.status is not RequestStatus.MORE_INFORMATION or question is None:
        raise ReviewError(_l("There is no question waiting for your answer."))
    answer = answer.strip()
    if not answer:
        raise ReviewError(_l("Write your answer."))
    if len(answer) > TEXT_MAX:
        raise ReviewError(_l("This text is too long."))
    now = now or clock.now()
    question.answer = answer
    question.answered_at = now
    move(request, RequestStatus.IN_REVIEW)
    request.review_due_on = review_due(clock.today(now))
    record(actor, "vetting.answer", target=f"vetting_request:{request.id}")
    for review in reviews_of(request):
        if review.reviewer.staff is not None:
            notify(
                template="vetting/answered",
                link=f"/vetting/{request.id}/review",
                staff=review.reviewer.staff,
                vetting_request=request,
            )
    db.session.flush()
    return question


def withdraw_question(
    *, actor: Account, request: VettingRequest, now: datetime | None = None
) -> Question:
    """The office takes back a question nobody will answer (the requester left, or it no
    longer matters): the request returns to review with a new due date, as an answer would
    return it, and the requester is told."""
    if not may_decide_vetting(actor):
        raise ReviewError(_l("Only the privacy office can decide on a vetting request."))
    _lock(request)
    question = open_question(request)
    if request.status is not RequestStatus.MORE_INFORMATION or question is None:
        raise ReviewError(_l("There is no question waiting for an answer."))
    now = now or clock.now()
    question.withdrawn_at = now
    question.withdrawn_by_account_id = actor.id
    move(request, RequestStatus.IN_REVIEW)
    request.review_due_on = review_due(clock.today(now))
    record(actor, "vetting.question_withdrawn", target=f"vetting_request:{request.id}")
    requester = request.requested_by.staff if request.requested_by else None
    if requester is not None and requester.active:
        notify(
            template="vetting/question_withdrawn",
            link=f"/vetting/{request.id}",
            staff=requester,
            vetting_request=request,
        )
    db.session.flush()
    return question


def items_by_id(ids) -> dict[int, RubricItem]:
    return {i.id: i for i in db.session.scalars(select(RubricItem).where(RubricItem.id.in_(ids)))}


def open_reviews_count(actor: Account) -> int:
    """Requests in review assigned to the actor with their review still to record."""
    return db.session.scalar(
        select(func.count())
        .select_from(Review)
        .join(VettingRequest, VettingRequest.id == Review.request_id)
        .where(
            Review.reviewer_account_id == actor.id,
            Review.submitted_at.is_(None),
            VettingRequest.status == RequestStatus.IN_REVIEW,
        )
    )
