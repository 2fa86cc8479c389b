"""A review past its due date: remind, then escalate to the privacy office, like opt-outs.

`flask vetting escalate` runs this every school morning (cron). On the due date the reviewers
who still owe their findings are reminded (or, when nobody owes one - no reviewer assigned yet,
or every review in and the decision waiting - the privacy office is); two school days later the
privacy office is told the review is overdue. Each step is a ReviewStep row written with its
emails; a step already taken for the same due date is never taken again, so running the command
twice sends nothing twice.

A request back with its requester waits for them, so its review has no steps; instead, five
school days after the question the requester is reminded once (the office, if the requester has
left, so that it can withdraw the question).
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from consent.core import clock
from consent.extensions import db
from consent.notifications.operations import notify
from consent.roster.models import Staff
from consent.roster.staff import privacy_officers
from consent.schoolcalendar.days import add_school_days, closures_from
from consent.vetting.committee.models import ReviewStep, StepKind
from consent.vetting.models import RequestStatus, VettingRequest
from consent.vetting.review import missing_reviews, open_question

ESCALATE_AFTER_SCHOOL_DAYS = 2
REMIND_OF_QUESTION_AFTER_SCHOOL_DAYS = 5


@dataclass
class ReviewEscalationReport:
    reminded: int = 0
    escalated: int = 0
    question_reminded: int = 0


def escalate_reviews(*, today: date) -> ReviewEscalationReport:
    """Take every step that is due; the caller commits."""
    report = ReviewEscalationReport()
    _remind_of_questions(today, report)
    candidates = list(
        db.session.scalars(
            select(VettingRequest)
            .where(
                VettingRequest.status.in_([RequestStatus.SUBMITTED, RequestStatus.IN_REVIEW]),
                VettingRequest.review_due_on <= today,
            )
            .order_by(VettingRequest.id)
        )
    )
    if not candidates:
        return report
    taken = {
        (row.request_id, row.kind, row.due_on)
        for row in db.session.execute(
            select(ReviewStep.request_id, ReviewStep.kind, ReviewStep.due_on).where(
                ReviewStep.request_id.in_([r.id for r in candidates])
            )
        )
    }
    closures = closures_from(min(r.review_due_on for r in candidates), 400)
    officers = privacy_officers()
    for request in candidates:
        due = request.review_due_on
        schedule = [
            (StepKind.REMINDED, due),
            (StepKind.ESCALATED, add_school_days(due, ESCALATE_AFTER_SCHOOL_DAYS, closures)),
        ]
        for kind, when in schedule:
            if today < when or (request.id, kind, due) in taken:
                continue
            _take(kind, request, officers)
            db.session.add(ReviewStep(request_id=request.id, kind=kind, due_on=due))
            setattr(report, kind.value, getattr(report, kind.value) + 1)
    db.session.flush()
    return report


def _take(kind: StepKind, request: VettingRequest, officers: list[Staff]) -> None:
    if kind is StepKind.REMINDED:
        owing = [r.reviewer.staff for r in missing_reviews(request) if r.reviewer.staff]
        if request.status is RequestStatus.IN_REVIEW and owing:
            for staff in owing:
                notify(
                    template="vetting/review_due",
                    link=f"/vetting/{request.id}/review",
                    staff=staff,
                    vetting_request=request,
                    due=request.review_due_on,
                    office=False,
                )
            return
        for officer in officers:
            notify(
                template="vetting/review_due",
                link=f"/vetting/{request.id}",
                staff=officer,
                vetting_request=request,
                due=request.review_due_on,
                office=True,
            )
        return
    for officer in officers:
        notify(
            template="vetting/review_escalated",
            link=f"/vetting/{request.id}",
            staff=officer,
            vetting_request=request,
            due=request.review_due_on,
        )


def _remind_of_questions(today: date, report: ReviewEscalationReport) -> None:
    """One reminder per unanswered question, REMIND_OF_QUESTION_AFTER_SCHOOL_DAYS school days
    after it was asked: to the requester, or to the office when the requester has left."""
    waiting = list(
        db.session.scalars(
            select(VettingRequest)
            .where(VettingRequest.status == RequestStatus.MORE_INFORMATION)
            .order_by(VettingRequest.id)
        )
    )
    if not waiting:
        return
    questions = {request.id: open_question(request) for request in waiting}
    asked = [clock.today(q.asked_at) for q in questions.values() if q is not None]
    if not asked:
        return
    closures = closures_from(min(asked), 400)
    reminded = {
        (row.request_id, row.due_on)
        for row in db.session.execute(
            select(ReviewStep.request_id, ReviewStep.due_on).where(
                ReviewStep.kind == StepKind.QUESTION_REMINDED,
                ReviewStep.request_id.in_([r.id for r in waiting]),
            )
        )
    }
    officers = None
    for request in waiting:
        question = questions[request.id]
        if question is None:
            continue
        due = add_school_days(
            clock.today(question.asked_at), REMIND_OF_QUESTION_AFTER_SCHOOL_DAYS, closures
        )
        if today < due or (request.id, due) in reminded:
            continue
        requester = request.requested_by.staff if request.requested_by else None
        if requester is not None and requester.active:
            told = [requester]
        else:
            officers = privacy_officers() if officers is None else officers
            told = officers
        for staff in told:
            notify(
                template="vetting/question_unanswered",
                link=f"/vetting/{request.id}",
                staff=staff,
                vetting_request=request,
                question=question.question,
                office=staff is not requester,
            )
        db.session.add(
            ReviewStep(request_id=request.id, kind=StepKind.QUESTION_REMINDED, due_on=due)
        )
        report.question_reminded += 1
