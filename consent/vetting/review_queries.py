"""Reading the committee's work: a reviewer's assigned requests, each request's review progress,
the office's view of every finding, and the backlog report (open requests by state, and the
median and 90th-percentile school days from request to decision)."""

import math
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.schoolcalendar.days import closures_from, is_school_day
from consent.vetting.committee.models import Finding, Review
from consent.vetting.models import OPEN_STATUSES, RequestStatus, VettingRequest
from consent.vetting.queries import TOOL_ALONE


def assigned_to(actor: Account) -> Select:
    """The requests assigned to a reviewer: those still in review first, by due date."""
    return (
        select(VettingRequest)
        .join(Review, Review.request_id == VettingRequest.id)
        .where(Review.reviewer_account_id == actor.id)
        .options(
            joinedload(VettingRequest.requested_by),
            joinedload(VettingRequest.tool).options(*TOOL_ALONE),
        )
        .order_by(
            case((VettingRequest.status == RequestStatus.IN_REVIEW, 0), else_=1),
            VettingRequest.review_due_on,
            VettingRequest.id.desc(),
        )
    )


def own_reviews(actor: Account, request_ids: list[int]) -> dict[int, Review]:
    """The actor's review of each listed request, in one query."""
    if not request_ids:
        return {}
    return {
        r.request_id: r
        for r in db.session.scalars(
            select(Review).where(
                Review.reviewer_account_id == actor.id, Review.request_id.in_(request_ids)
            )
        )
    }


@dataclass
class Progress:
    assigned: int = 0
    submitted: int = 0


def progress_of(request_ids: list[int]) -> dict[int, Progress]:
    """Each listed request's reviews: assigned and recorded, in one query."""
    result = {request_id: Progress() for request_id in request_ids}
    if not request_ids:
        return result
    rows = db.session.execute(
        select(
            Review.request_id,
            func.count(),
            func.count(Review.submitted_at),
        )
        .where(Review.request_id.in_(request_ids))
        .group_by(Review.request_id)
    )
    for request_id, assigned, submitted in rows:
        result[request_id] = Progress(assigned=assigned, submitted=submitted)
    return result


def reviews_in_full(request: VettingRequest) -> list[Review]:
    """Every review of a request with its findings and their items, for the office."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.request_id == request.id)
            .options(
                joinedload(Review.reviewer),
                selectinload(Review.findings).joinedload(Finding.item),
            )
            .order_by(Review.assigned_at, Review.id)
        ).unique()
    )


# --- the backlog report ------------------------------------------------------------------------


@dataclass
class Backlog:
    by_status: dict[RequestStatus, int] = field(default_factory=dict)
    overdue: int = 0
    decided: int = 0
    median_days: float | None = None
    p90_days: float | None = None

    @property
    def open_total(self) -> int:
        return sum(self.by_status.values())


def school_days_between(start: date, end: date, closures: set[date]) -> int:
    """School days after `start` up to and including `end` (0 when decided the same day)."""
    days = 0
    day = start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        days += is_school_day(day, closures)
    return days


def percentile(values: list[int], share: float) -> float | None:
    """The nearest-rank percentile (the median: the middle value, or the mean of the two)."""
    if not values:
        return None
    ordered = sorted(values)
    if share == 0.5:
        middle = len(ordered) // 2
        if len(ordered) % 2:
            return float(ordered[middle])
        return (ordered[middle - 1] + ordered[middle]) / 2
    rank = max(math.ceil(share * len(ordered)), 1)
    return float(ordered[rank - 1])


def backlog(today: date | None = None) -> Backlog:
    """Open requests by state and overdue; school days to decision over every decided one.
    The time a request waited for its requester's answer counts: it is the district's answer
    time as the requester lives it."""
    today = today or clock.today()
    report = Backlog(by_status={status: 0 for status in OPEN_STATUSES})
    for status, number in db.session.execute(
        select(VettingRequest.status, func.count())
        .where(VettingRequest.status.in_(OPEN_STATUSES))
        .group_by(VettingRequest.status)
    ):
        report.by_status[status] = number
    report.overdue = db.session.scalar(
        select(func.count())
        .select_from(VettingRequest)
        .where(
            VettingRequest.status.in_([RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW]),
            VettingRequest.review_due_on < today,
        )
    )
    spans = [
        (clock.today(submitted), clock.today(decided))
        for submitted, decided in db.session.execute(
            select(VettingRequest.submitted_at, VettingRequest.decided_at).where(
                VettingRequest.status.not_in(OPEN_STATUSES)
            )
        )
    ]
    report.decided = len(spans)
    if spans:
        first = min(start for start, _ in spans)
        closures = closures_from(first, (today - first).days + 1)
        days = [school_days_between(start, end, closures) for start, end in spans]
        report.median_days = percentile(days, 0.5)
        report.p90_days = percentile(days, 0.9)
    return report
