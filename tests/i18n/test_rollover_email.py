"""Each guardian with FERPA rights is told once which of their children's opt-outs carried
into the new year and which ended, in their language, through the outbox, the worker and a
real SMTP server. (Spanish is offered here, as a district has it: tests/i18n/conftest.py.)"""

from consent.extensions import db
from consent.notifications.operations import deliver_due
from consent.rollover.rules import next_school_year
from tests.i18n.support import english_leaks, html_lang
from tests.i18n.test_emails import only_message_to, read
from tests.rollover.helpers import this_year, three_confirmed
from tests.support import mark_backlog_sent


def roll_over_on_the_page(as_) -> None:
    lee = as_("lee")
    answer = lee.post("/rollover", {"year": this_year()})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def test_each_guardian_reads_one_message_in_their_language(app, as_, demo, smtp):
    three_confirmed(app, demo)  # Zoom carries over, Seesaw ends
    mark_backlog_sent(app)  # only the rollover's messages wait
    roll_over_on_the_page(as_)
    with app.app_context():
        report = deliver_due()
        db.session.remove()
    assert report.failed == 0 and report.sent == 3
    year, into = this_year(), next_school_year(this_year())

    subject, text, html = read(only_message_to(smtp, "maria"))
    assert subject == f"Las exclusiones voluntarias de sus hijos en el año escolar {into}"
    assert text.startswith("Hola, Maria:")
    flat = " ".join(text.split())
    assert f"El año escolar {year} está terminando." in flat
    assert f"Estas siguen vigentes en el año escolar {into}:" in flat
    assert "- Mateo: la parte Grabación de Zoom" in text
    assert "- Sofia: la parte Cámara (video) de Zoom" in text
    assert "Estas terminan" not in text  # nothing of hers ended
    assert "/children" in text
    assert html_lang(html) == "es" and "Ver las herramientas y solicitudes de sus hijos</a>" in html
    assert english_leaks(text) == [] and english_leaks(html) == []

    subject, text, _html = read(only_message_to(smtp, "luis"))
    assert subject == f"Your children's opt-outs in the {into} school year"
    assert "- Sofia: the Camera (video) part of Zoom" in text
    assert "- Mateo: the Recording part of Zoom" in text

    subject, text, html = read(only_message_to(smtp, "james"))
    flat = " ".join(text.split())
    assert text.startswith("Hello James,")
    assert f"These end with the {year} school year:" in flat
    assert "- Ava: the Photos and videos of my child part of Seesaw" in text
    assert "you can send a new request for the new school year" in flat
    assert "These stay in effect" not in text
    assert html_lang(html) == "en"

    # A relative without FERPA rights hears nothing; nor does anyone a second time.
    assert smtp.to("grace.chen@demo.consent.example") == []
    again = as_("lee").post("/rollover", {"year": this_year()})
    assert again.status_code == 302
    with app.app_context():
        assert deliver_due().sent == 0
        db.session.remove()
