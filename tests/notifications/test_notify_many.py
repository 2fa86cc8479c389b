"""Messages to many guardians at once (a catalog change notice, a published form): each arrives
through the real SMTP server in the guardian's own language, like a message sent to one."""

from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.catalog import operations as catalog
from consent.catalog.models import Tool
from consent.consentforms import operations as consentforms
from consent.consentforms.models import ConsentForm, FormKind, FormMode
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import SUBJECT_MAX, deliver_due, notify_many
from consent.roster.models import Guardian
from tests.catalog.helpers import data_of
from tests.support import PERSONAS


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")


def _subject(message) -> str:
    raw = message["Subject"].replace("\r\n", "").replace("\n", "")
    return str(policy.default.header_factory("subject", raw)).strip()  # a folded header


def _text(message) -> str:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")


def _delivered(app) -> None:
    with app.app_context():
        report = deliver_due()
        db.session.remove()
    assert report.sent > 0 and report.failed == 0


def _publish(app, demo, title: str) -> tuple[int, str]:
    """(how many guardians were told, the form's link)"""
    with app.app_context():
        lee = db.session.get(Account, demo.accounts["lee"])
        today = clock.today()
        form = consentforms.create_form(
            actor=lee,
            school_year="2026-2027",
            kind=FormKind.DIRECTORY_INFORMATION,
            mode=FormMode.OPT_OUT,
            title=title,
            text="The district may share your child's name and grade in the yearbook.",
            opens_on=today,
            closes_on=today + timedelta(days=30),
        )
        told = consentforms.publish_form(actor=lee, form=form)
        link = consentforms.form_link(form)
        db.session.commit()
        db.session.remove()
    return told, link


def test_a_tool_change_notice_reaches_a_spanish_guardian_in_spanish(app, demo, smtp, no_backlog):
    with app.app_context():
        zoom = db.session.get(Tool, demo.tools["zoom"])
        categories = {c.category: c.note for c in zoom.data_categories}
        categories["Student Survey Responses"] = "in-meeting polls"
        catalog.update_tool(
            actor=db.session.get(Account, demo.accounts["lee"]),
            tool=zoom,
            data=data_of(zoom, categories=categories),
            today=clock.today(),
        )
        db.session.commit()
        db.session.remove()
    _delivered(app)

    [to_maria] = smtp.to(PERSONAS["maria"])  # prefers Spanish
    assert _subject(to_maria) == (
        "Un cambio en Zoom, una herramienta en línea que usa su hijo o hija"
    )
    [to_luis] = smtp.to(PERSONAS["luis"])  # prefers English
    assert _subject(to_luis) == "A change to Zoom, an online tool your child uses"
    assert "http://consent.test/children" in _text(to_maria)


def test_a_published_form_reaches_a_spanish_guardian_in_spanish(app, demo, smtp, no_backlog):
    told, _link = _publish(app, demo, "Directory information")
    assert told > 0
    _delivered(app)

    [to_maria] = smtp.to(PERSONAS["maria"])
    assert _subject(to_maria) == (
        "Hay un formulario esperando para su hijo o hija: Directory information"
    )
    [to_luis] = smtp.to(PERSONAS["luis"])
    assert _subject(to_luis) == "A form for your child is waiting: Directory information"


def test_a_form_with_the_longest_title_is_published_with_a_subject_that_fits(app, demo):
    """A title may take the whole column; the subject around it is cut with an ellipsis instead
    of failing the publication (PostgreSQL refuses a value longer than the column)."""
    told, link = _publish(app, demo, "Photo release " + "x" * 241)
    assert told > 0
    with app.app_context():
        subjects = db.session.scalars(
            select(Notification.subject).where(Notification.link == link)
        ).all()
        db.session.remove()
    assert subjects and all(len(s) == SUBJECT_MAX and s.endswith("…") for s in subjects)


def test_a_language_without_a_catalog_reads_the_default_and_no_address_waits_in_the_inbox(
    ctx, demo
):
    """As with one message: a guardian whose language the service does not speak yet reads the
    district's default, and one without an email address gets the message in the app only."""
    maria = db.session.get(Guardian, demo.guardians["maria"])
    luis = db.session.get(Guardian, demo.guardians["luis"])
    maria.preferred_language = "vi"
    luis.email = ""
    db.session.flush()
    form = db.session.scalars(select(ConsentForm).order_by(ConsentForm.id)).first()
    queued = notify_many(
        template="consentform_published",
        guardian_ids=select(Guardian.id).where(Guardian.id.in_([maria.id, luis.id])),
        link="/forms",
        context={"form": form},
    )
    assert queued == 2
    rows = {
        n.guardian_id: n
        for n in db.session.scalars(
            select(Notification).where(
                Notification.kind == "consentform_published",
                Notification.link == "/forms",
                Notification.guardian_id.in_([maria.id, luis.id]),
            )
        )
    }
    assert rows[maria.id].language == "vi"
    assert rows[maria.id].subject == f"A form for your child is waiting: {form.title}"
    assert rows[maria.id].delivery_status is DeliveryStatus.PENDING
    assert rows[luis.id].to_address is None
    assert rows[luis.id].delivery_status is DeliveryStatus.NO_ADDRESS
