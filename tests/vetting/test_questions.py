"""A question to the requester that nobody answers: the requester is reminded once, five school
days after it was asked (the privacy office instead, when the requester has left); the office can
withdraw it after a confirmation, and the request goes back to review with a new due date."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.notifications.operations import deliver_due
from consent.roster.models import Staff
from consent.schoolcalendar.days import add_school_days, closures_from
from consent.vetting import review
from consent.vetting.escalation import REMIND_OF_QUESTION_AFTER_SCHOOL_DAYS, escalate_reviews
from consent.vetting.models import RequestStatus
from tests.support import PERSONAS
from tests.vetting.test_committee import text_of
from tests.vetting.test_review_deadlines import OFFICE, named, sent, steps

PATEL = PERSONAS["patel"]


def _reminder_day(request) -> object:
    asked = clock.today(review.open_question(request).asked_at)
    return add_school_days(asked, REMIND_OF_QUESTION_AFTER_SCHOOL_DAYS, closures_from(asked))


def test_the_requester_is_reminded_once_of_an_unanswered_question(app, demo, smtp):
    with app.app_context():
        canva = named("Canva")
        canva_id, due = canva.id, _reminder_day(canva)
        escalate_reviews(today=due - timedelta(days=1))
        assert steps(canva_id) == []
        db.session.commit()
    with clock.at(clock.day_start(due) + timedelta(hours=7)):
        first = app.test_cli_runner().invoke(args=["vetting", "escalate"])
        again = app.test_cli_runner().invoke(args=["vetting", "escalate"])
        with app.app_context():
            escalate_reviews(today=due + timedelta(days=7))
            db.session.commit()
            assert steps(canva_id) == ["question_reminded"]
            assert sent(canva_id, "vetting/question_unanswered") == [PATEL]
            assert deliver_due().failed == 0
    assert "unanswered questions reminded 1" in first.output
    assert "unanswered questions reminded 0" in again.output
    (email,) = [m for m in smtp.to(PATEL) if "Still waiting" in m["Subject"]]
    assert email["Subject"] == "Still waiting: the question about Canva"
    body = text_of(email)
    assert "still waiting for your answer" in body and "education account" in body


def test_when_the_requester_left_the_office_is_reminded_and_withdraws_the_question(
    app, demo, as_, smtp
):
    with app.app_context():
        canva = named("Canva")
        canva_id, due = canva.id, _reminder_day(canva)
        db.session.get(Staff, canva.requested_by.staff.id).active = False
        escalate_reviews(today=due)
        db.session.commit()
        assert sent(canva_id, "vetting/question_unanswered") == [OFFICE]
    lee = as_("lee")
    detail = lee.get(f"/vetting/{canva_id}").get_data(as_text=True)
    assert "Withdraw the question" in detail
    confirm = lee.get(f"/vetting/{canva_id}/question/withdraw")
    assert "goes back to review without an answer" in confirm.get_data(as_text=True)
    with app.app_context():
        assert named("Canva").status is RequestStatus.MORE_INFORMATION  # asking changes nothing
    today = clock.today()
    done = lee.post(f"/vetting/{canva_id}/question/withdraw", {}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "The question is withdrawn and the request is back in review." in page
    assert "Withdrawn by the privacy office" in page
    with app.app_context():
        canva = named("Canva")
        assert canva.status is RequestStatus.IN_REVIEW
        assert canva.review_due_on == add_school_days(today, 10, closures_from(today))
        assert review.open_question(canva) is None
        assert db.session.scalar(
            select(AuditEvent.action).where(AuditEvent.action == "vetting.question_withdrawn")
        )
        assert sent(canva_id, "vetting/question_withdrawn") == []  # the requester has left
    again = lee.post(
        f"/vetting/{canva_id}/question/withdraw", {}, token_from="/account", follow_redirects=True
    )
    assert "There is no question waiting for an answer." in again.get_data(as_text=True)


def test_a_withdrawn_question_is_told_to_the_requester_who_cannot_answer_it_any_more(
    app, demo, as_
):
    with app.app_context():
        canva_id = named("Canva").id
    assert as_("lee").post(f"/vetting/{canva_id}/question/withdraw", {}).status_code == 302
    with app.app_context():
        assert sent(canva_id, "vetting/question_withdrawn") == [PATEL]
    patel = as_("patel")
    assert "Answer the question" not in patel.get(f"/vetting/{canva_id}").get_data(as_text=True)
    refused = patel.post(
        f"/vetting/{canva_id}/answer",
        {"answer": "Yes"},
        token_from="/account",
        follow_redirects=True,
    )
    assert "There is no question waiting for your answer." in refused.get_data(as_text=True)


@pytest.mark.parametrize("persona", ["patel", "johnson", "kim", "reed", "brooks", "maria"])
def test_only_the_privacy_office_withdraws_a_question(app, demo, as_, persona):
    with app.app_context():
        canva_id = named("Canva").id
    browser = as_(persona)
    url = f"/vetting/{canva_id}/question/withdraw"
    assert browser.get(url).status_code == 404
    assert browser.post(url, {}, token_from="/account").status_code == 404
    assert "Withdraw the question" not in browser.get(f"/vetting/{canva_id}").get_data(as_text=True)
    with app.app_context():
        assert named("Canva").status is RequestStatus.MORE_INFORMATION
