"""The yearly send: a confirmation step with the numbers, one email per rights holder in their
language through the worker and the real SMTP server, never twice in a school year, a printable
list of those without email, and a report of who was not reached, by school and language."""

import re

import pytest
from sqlalchemy import select, update

from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.notice.models import NoticeRecipient
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import deliver_due
from consent.roster.models import Guardian
from tests.accounts.accounts_helpers import mail_ready
from tests.i18n.support import english_leaks, text_of
from tests.notice.helpers import SPANISH, recipients
from tests.records.helpers import mail_to

DANIEL = "daniel.ortiz@student.demo.consent.example"


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")


def expected_on(page: str) -> int:
    return int(re.search(r'name="expected" type="hidden" value="(\d+)"', page).group(1))


def send(lee):
    review = lee.get("/notice/send").get_data(as_text=True)
    return lee.post("/notice/send", {"expected": str(expected_on(review))})


def deliver(app):
    with app.app_context():
        report = deliver_due()
        db.session.remove()
    return report


def notice_for(app, guardian_key: str, demo) -> list[Notification]:
    with app.app_context():
        found = list(
            db.session.scalars(
                select(Notification).where(
                    Notification.kind == "notice/annual",
                    Notification.guardian_id == demo.guardians[guardian_key],
                )
            )
        )
        db.session.expunge_all()
        db.session.remove()
    return found


def test_the_confirmation_step_says_how_many_in_which_languages_and_sends_nothing(app, as_):
    review = as_("lee").get("/notice/send")
    text = text_of(review.get_data(as_text=True))
    assert "Who will get the notice" in text and "English" in text and "Spanish" in text
    total = expected_on(review.get_data(as_text=True))
    assert f"Send the notice to {total} people now?" in text
    assert recipients(app) == 0


def test_each_rights_holder_gets_one_email_in_their_language(app, as_, smtp, demo):
    as_("lee").post("/notice/es/edit", SPANISH)
    mail_ready(app, smtp)
    lee = as_("lee")
    counted = expected_on(lee.get("/notice/send").get_data(as_text=True))
    answer = send(lee)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/notice/not-reached")
    assert recipients(app) == counted  # everyone the confirmation step counted, once
    report = deliver(app)
    assert report.failed == 0 and report.sent >= 4

    ((subject, text, html),) = mail_to(smtp, "maria")
    assert subject.startswith("Sus derechos sobre los expedientes escolares")
    assert "Maestros y las empresas contratadas." in text and "Oficina de Privacidad" in text
    assert "Maestros y las empresas contratadas." in html
    assert not english_leaks(text), english_leaks(text)
    ((subject, text, _html),) = mail_to(smtp, "luis")
    assert subject.startswith("Your rights over school records")
    assert "Office of Student Privacy" in text and "45 days" in text and "Maestros" not in text
    assert "http://consent.test/rights" in text
    assert len(smtp.to(DANIEL)) == 1  # an eligible student holds the rights themselves
    assert mail_to(smtp, "grace") == []  # a relative without rights does not get it
    assert notice_for(app, "rosa", demo) == []  # Daniel's mother: the rights are his now
    with app.app_context():
        audit = db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))
        db.session.remove()
    assert audit == "notice.send"


def test_sending_again_in_the_same_school_year_sends_nothing_twice(app, as_, smtp, demo):
    mail_ready(app, smtp)
    lee = as_("lee")
    send(lee)
    first = recipients(app)
    deliver(app)
    smtp.messages.clear()

    review = lee.get("/notice/send").get_data(as_text=True)
    assert "There is no one to send it to." in text_of(review)
    answer = lee.post("/notice/send", {"expected": "0"})
    assert answer.status_code == 400
    assert "nothing was sent" in answer.get_data(as_text=True)
    assert recipients(app) == first
    deliver(app)
    assert smtp.messages == []
    assert len(notice_for(app, "luis", demo)) == 1

    # A family new to the district since gets it; no one else does.
    with app.app_context():
        db.session.execute(
            update(Guardian)
            .where(Guardian.id == demo.guardians["james"])
            .values(email="james.new@demo.consent.example")
        )
        db.session.execute(
            NoticeRecipient.__table__.delete().where(
                NoticeRecipient.guardian_id == demo.guardians["james"]
            )
        )
        db.session.commit()
        db.session.remove()
    assert "Send the notice to 1 person now?" in text_of(
        lee.get("/notice/send").get_data(as_text=True)
    )
    assert send(lee).status_code == 302
    deliver(app)
    assert [m["To"] for m in smtp.messages] == ["james.new@demo.consent.example"]


def test_a_changed_number_since_the_confirmation_step_sends_nothing(app, as_):
    answer = as_("lee").post("/notice/send", {"expected": "1"})
    assert answer.status_code == 400
    assert "has changed since you looked" in answer.get_data(as_text=True)
    assert recipients(app) == 0


def test_who_was_not_reached_by_school_and_language_and_the_printable_list(app, as_, smtp, demo):
    mail_ready(app, smtp)
    lee = as_("lee")
    before = lee.get("/notice/not-reached").get_data(as_text=True)
    assert "has not been sent this school year" in before
    send(lee)
    # Luis's address bounces for good.
    with app.app_context():
        db.session.execute(
            update(Notification)
            .where(
                Notification.kind == "notice/annual",
                Notification.guardian_id == demo.guardians["luis"],
            )
            .values(delivery_status=DeliveryStatus.FAILED)
        )
        db.session.commit()
        db.session.remove()
    deliver(app)

    page = lee.get("/notice/not-reached").get_data(as_text=True)
    text = text_of(page)
    assert "Linda Williams No email address Spanish Hillcrest" in text or (
        "Linda Williams No email address Spanish" in text
    )
    assert "Luis Garcia Email could not be delivered English" in text
    assert "Maria Garcia" not in text
    counts = page.split("Not reached, by school and language")[1].split("</table>")[0]
    assert "Oakwood Elementary" in counts  # Luis's children's school

    printable = text_of(lee.get("/notice/without-email").get_data(as_text=True))
    assert "Linda Williams" in printable and "Luis Garcia" not in printable
    assert "Print this page" in printable


@pytest.mark.parametrize("expected", ["abc", "-1", "99999999999999999999"])
def test_a_tampered_number_is_a_message_on_the_page_and_sends_nothing(app, as_, expected):
    answer = as_("lee").post("/notice/send", {"expected": expected})
    assert answer.status_code == 400
    assert "This page is out of date" in answer.get_data(as_text=True)
    assert recipients(app) == 0
