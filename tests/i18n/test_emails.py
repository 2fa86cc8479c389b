"""Emails are written in each person's language: a guardian who prefers Spanish gets Spanish,
through the real form, the outbox and a real SMTP server; everyone else keeps English."""

from email import policy
from email.message import Message

from consent.catalog.models import Tool
from consent.core import clock
from consent.extensions import db
from consent.notifications.operations import deliver_due
from consent.roster.importer.apply import apply_roster
from consent.roster.importer.records import Mode, RosterSet, StudentRecord
from tests.i18n.support import english_leaks, html_lang
from tests.support import PERSONAS


def file_and_deliver(app, as_, demo, *, persona, student, tool, feature=""):
    """File through the form and its review step, then run one pass of the worker."""
    with app.app_context():
        accommodation = db.session.get(Tool, demo.tools[tool]).optout_options[0].label
    guardian = as_(persona)
    url = f"/students/{demo.students[student]}/optouts/new?tool={demo.tools[tool]}"
    fields = {"feature": feature, "accommodation": accommodation, "reason": ""}
    assert guardian.post(url, {**fields, "review": "1"}).status_code == 200
    sent = guardian.post(url, {**fields, "send": "1"})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with app.app_context():
        report = deliver_due()
    assert report.failed == 0


def read(message: Message) -> tuple[str, str, str]:
    """(subject, text, html) as a mail client shows them."""
    raw = message["Subject"].replace("\r\n", "").replace("\n", "")
    subject = str(policy.default.header_factory("subject", raw))
    parts = {}
    for part in message.walk():
        if part.get_content_type() in ("text/plain", "text/html"):
            body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
            parts[part.get_content_type()] = body.replace("\r\n", "\n")
    return subject, parts["text/plain"], parts["text/html"]


def only_message_to(smtp, persona: str) -> Message:
    messages = smtp.to(PERSONAS[persona])
    assert len(messages) == 1, [m["Subject"] for m in messages]
    return messages[0]


def test_a_spanish_speaking_guardians_receipt_arrives_in_spanish(app, as_, demo, smtp, no_backlog):
    file_and_deliver(
        app, as_, demo, persona="maria", student="sofia", tool="seesaw", feature="photos"
    )

    subject, text, html = read(only_message_to(smtp, "maria"))
    assert subject == "Recibimos su solicitud para Sofia sobre Seesaw"
    assert text.startswith("Hola, Maria:")
    assert "Recibimos su solicitud de exclusión voluntaria. Esto es lo que usted pidió:" in text
    assert "Hijo o hija: Sofia Garcia" in text and "Herramienta: Seesaw" in text
    assert "Solo contamos los días escolares" in text
    assert html_lang(html) == "es"
    assert "Seguir su solicitud</a>" in html
    assert "Este correo electrónico viene del servicio de consentimiento" in html
    assert english_leaks(text) == [] and english_leaks(html) == []

    # Her request went to Sofia's teachers in the district's language.
    teacher_subject, teacher_text, teacher_html = read(only_message_to(smtp, "johnson"))
    assert teacher_subject.startswith("Opt-out request for Sofia Garcia (Seesaw)")
    assert teacher_text.startswith("Hello Emily,")
    assert html_lang(teacher_html) == "en"


def test_an_english_speaking_guardian_still_gets_english(app, as_, demo, smtp, no_backlog):
    file_and_deliver(app, as_, demo, persona="james", student="ava", tool="classroom")

    subject, text, html = read(only_message_to(smtp, "james"))
    assert text.startswith("Hello James,")
    assert "Ava" in subject and "Google Classroom" in subject
    assert html_lang(html) == "en"
    assert "Hola" not in text and "solicitud" not in text


def test_a_guardian_who_switches_to_spanish_gets_spanish_email_from_then_on(
    app, as_, demo, smtp, no_backlog
):
    as_("luis").post("/account/language", {"language": "es"}, token_from="/account")
    file_and_deliver(app, as_, demo, persona="luis", student="mateo", tool="khan")

    subject, text, html = read(only_message_to(smtp, "luis"))
    assert text.startswith("Hola, Luis:")
    assert "Mateo" in subject and html_lang(html) == "es"


def test_a_reason_the_service_gives_is_said_in_each_guardians_language(app, demo, smtp, no_backlog):
    """Sofia and Ava leave the district: their open requests close, and each parent is told
    why, Maria in Spanish and James in English."""
    roster = RosterSet(format="oneroster-1.1")
    for kind in ("schools", "guardians", "staff", "sections", "enrollments", "links"):
        roster.modes[kind] = Mode.ABSENT
    roster.modes["students"] = Mode.DELTA
    for key, given, family, identifier in (
        ("sofia", "Sofia", "Garcia", "S100001"),
        ("ava", "Ava", "Chen", "S100002"),
    ):
        roster.students[f"student-{key}"] = StudentRecord(
            sourced_id=f"student-{key}",
            identifier=identifier,
            given_name=given,
            family_name=family,
            grade="4",
            school_sourced_id="school-oakwood",
            active=False,
        )
    with app.app_context():
        apply_roster(roster, today=clock.today())
        db.session.commit()
        deliver_due()

    spanish = [read(m) for m in smtp.to(PERSONAS["maria"])]
    english = [read(m) for m in smtp.to(PERSONAS["james"])]
    assert spanish and english
    for subject, text, _html in spanish:
        assert subject.startswith("La escuela cerró su solicitud para Sofia")
        assert "El motivo que dio la escuela:\nEl estudiante se fue del distrito." in text
    for subject, text, _html in english:
        assert subject.startswith("The school closed your request for Ava")
        assert "The reason the school gave:\nThe student left the district." in text
