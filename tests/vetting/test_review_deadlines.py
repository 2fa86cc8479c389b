"""The review's deadline in school days: due ten school days after the request (or after the
requester's answer); on the due date the reviewers who owe a review are reminded (the office,
when nobody owes one), two school days later the office is told; never twice; a request back
with its requester waits. `flask vetting escalate` runs it; emails go through real SMTP."""

from datetime import date, timedelta

from sqlalchemy import select

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import deliver_due
from consent.schoolcalendar.days import add_school_days, closures_from
from consent.schoolcalendar.models import Closure
from consent.vetting import operations, review
from consent.vetting.committee.models import ReviewStep
from consent.vetting.escalation import escalate_reviews
from consent.vetting.models import VettingRequest
from tests.vetting.helpers import KIM, request_form
from tests.vetting.test_committee import text_of

OFFICE = "privacy@demo.consent.example"
REED = "thomas.reed@demo.consent.example"


def named(name: str) -> VettingRequest:
    return db.session.scalar(select(VettingRequest).where(VettingRequest.name == name))


def sent(request_id: int, template: str) -> list[str]:
    return sorted(
        db.session.scalars(
            select(Notification.to_address).where(
                Notification.kind == template,
                Notification.link.like(f"/vetting/{request_id}%"),
            )
        )
    )


def steps(request_id: int) -> list[str]:
    return [
        s.value
        for s in db.session.scalars(
            select(ReviewStep.kind)
            .where(ReviewStep.request_id == request_id)
            .order_by(ReviewStep.id)
        )
    ]


def test_the_due_date_is_ten_school_days_after_the_request(ctx, demo):
    monday = date(2027, 3, 1)
    db.session.add(Closure(day=date(2027, 3, 5), reason="Staff day"))
    db.session.flush()
    johnson = db.session.get(Account, demo.accounts["johnson"])
    with clock.at(clock.day_start(monday) + timedelta(hours=10)):
        request = operations.submit_request(actor=johnson, **request_form())
    # Ten school days after Monday 1 March, with Friday 5 March closed: Tuesday 16 March.
    assert request.review_due_on == date(2027, 3, 16)


def test_reviewers_who_owe_a_review_are_reminded_then_the_office_is_told_once(ctx, demo):
    book = named("Book Creator")  # Mr. Kim's review is in; Mr. Reed's is not
    due = book.review_due_on
    closures = closures_from(due)
    escalate_reviews(today=due - timedelta(days=1))
    assert steps(book.id) == []

    report = escalate_reviews(today=due)
    assert report.reminded >= 1
    assert steps(book.id) == ["reminded"]
    assert sent(book.id, "vetting/review_due") == [REED]

    escalate_reviews(today=add_school_days(due, 1, closures))
    assert steps(book.id) == ["reminded"]
    escalate_reviews(today=add_school_days(due, 2, closures))
    assert steps(book.id) == ["reminded", "escalated"]
    assert sent(book.id, "vetting/review_escalated") == [OFFICE]

    escalate_reviews(today=add_school_days(due, 5, closures))
    db.session.commit()
    assert steps(book.id) == ["reminded", "escalated"]
    assert sent(book.id, "vetting/review_due") == [REED]


def test_with_nobody_owing_a_review_the_office_is_reminded(ctx, demo):
    padlet = named("Padlet")  # no reviewer assigned yet
    quizlet = named("Quizlet")  # every review in, the decision waits
    for request in (padlet, quizlet):
        escalate_reviews(today=request.review_due_on)
        assert sent(request.id, "vetting/review_due") == [OFFICE]


def test_a_request_back_with_its_requester_waits_and_gets_a_new_due_date(ctx, demo):
    canva = named("Canva")
    escalate_reviews(today=canva.review_due_on + timedelta(days=30))
    assert steps(canva.id) == ["question_reminded"]  # the review itself takes no step
    patel = db.session.get(Account, demo.accounts["patel"])
    later = clock.day_start(canva.review_due_on + timedelta(days=30)) + timedelta(hours=10)
    with clock.at(later):
        review.answer_question(actor=patel, request=canva, answer="Yes, the education account.")
        today = clock.today()
    assert canva.review_due_on == add_school_days(today, 10, closures_from(today))
    escalate_reviews(today=canva.review_due_on)
    assert steps(canva.id) == ["question_reminded", "reminded"]


def test_a_decided_request_has_no_steps(ctx, demo):
    face = named("FaceQuiz")
    escalate_reviews(today=face.review_due_on + timedelta(days=60))
    assert steps(face.id) == []


def test_the_command_sends_the_reminder_by_email(app, demo, smtp):
    with app.app_context():
        db.session.execute(
            Notification.__table__.update().values(delivery_status=DeliveryStatus.SENT)
        )
        book = named("Book Creator")
        book_id, due = book.id, book.review_due_on
        db.session.commit()
    with clock.at(clock.day_start(due) + timedelta(hours=7)):
        result = app.test_cli_runner().invoke(args=["vetting", "escalate"])
        again = app.test_cli_runner().invoke(args=["vetting", "escalate"])
        with app.app_context():
            assert deliver_due().failed == 0
    assert result.exit_code == 0, result.output
    assert "reviews reminded" in result.output
    assert "reviews reminded 0, escalated to the privacy office 0" in again.output
    (email,) = smtp.to(REED)
    assert email["Subject"] == "The review of Book Creator is due"
    body = text_of(email)
    assert f"http://consent.test/vetting/{book_id}/review" in body
    assert smtp.to(KIM) == []  # his review is in
