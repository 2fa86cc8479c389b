"""Everyone is told when the rights pass, by email in their language (through the real SMTP
server) and in the inbox; the student's email carries the invitation that makes their account,
and their first sign-in shows them themselves, with the right to decide."""

import pytest
from sqlalchemy import select

from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.notifications.operations import deliver_due
from tests.accounts.accounts_helpers import mail_ready
from tests.i18n.support import english_leaks
from tests.records.helpers import mail_to
from tests.rights.helpers import (
    INVITATION_RE,
    STUDENT_EMAIL,
    birthday_day,
    just_after,
    own_record,
    turn_eighteen,
)


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")


def deliver(app):
    with app.app_context(), clock.at(just_after(birthday_day(clock.today()))):
        report = deliver_due()
        db.session.remove()
    assert report.failed == 0


def bodies_to(smtp, address):
    found = []
    for message in smtp.to(address):
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                found.append(part.get_payload(decode=True).decode("utf-8"))
    return found


def test_parents_and_student_are_told_each_in_their_language(app, smtp, demo):
    mail_ready(app, smtp)
    turn_eighteen(app, demo.students["mateo"])
    deliver(app)
    ((maria_subject, maria_text, _),) = [m for m in mail_to(smtp, "maria") if "18" in m[0]]
    assert "Mateo tiene 18 años" in maria_subject  # Maria reads Spanish
    assert "Ya no puede ver su página" in maria_text
    assert not english_leaks(maria_text), english_leaks(maria_text)
    ((luis_subject, luis_text, _),) = [m for m in mail_to(smtp, "luis") if "18" in m[0]]
    assert "Mateo is 18" in luis_subject and "can no longer see their page" in luis_text
    (student_text,) = bodies_to(smtp, STUDENT_EMAIL)
    assert INVITATION_RE.search(student_text)
    # The same messages wait in each person's inbox.
    own = own_record(app, demo.students["mateo"])
    with app.app_context():
        kinds = set(
            db.session.scalars(
                select(Notification.kind).where(
                    Notification.guardian_id.in_(
                        [own.id, demo.guardians["maria"], demo.guardians["luis"]]
                    ),
                    Notification.kind.like("rights/%"),
                )
            )
        )
        db.session.remove()
    assert kinds == {"rights/eligible_student", "rights/rights_passed"}


def test_a_dependent_students_parents_are_told_they_still_see(app, smtp, demo):
    mail_ready(app, smtp)
    turn_eighteen(app, demo.students["mateo"], tax_dependent=True)
    deliver(app)
    ((_, luis_text, _),) = [m for m in mail_to(smtp, "luis") if "18" in m[0]]
    assert "you can still see their page" in luis_text


def test_the_student_accepts_the_invitation_and_sees_only_themselves(app, smtp, browser, demo):
    mail_ready(app, smtp)
    mateo = demo.students["mateo"]
    turn_eighteen(app, mateo)
    deliver(app)
    (text,) = bodies_to(smtp, STUDENT_EMAIL)
    path = INVITATION_RE.search(text).group(1)
    done = browser.post(
        path, {"password": "a long student password", "confirm": "a long student password"}
    )
    assert done.status_code == 302
    children = browser.get("/children").get_data(as_text=True)
    assert "Mateo" in children and "Sofia" not in children
    assert browser.get(f"/students/{mateo}").status_code == 200
    assert browser.get(f"/students/{mateo}/records-requests/new").status_code == 200
    assert browser.get(f"/students/{demo.students['sofia']}").status_code == 404
    # The opt-out Maria filed still stands, and is now Mateo's to change.
    optout = demo.optouts["in_progress"]
    assert browser.get(f"/requests/{optout}").status_code == 200
    assert browser.get(f"/requests/{optout}/withdraw").status_code == 200
