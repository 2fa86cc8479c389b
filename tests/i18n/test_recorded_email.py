"""A request staff record for a family reaches the guardian at once in their language: María,
who prefers Spanish, reads who recorded what in Spanish, through the outbox and a real SMTP
server, while the teacher's page stays in English."""

from consent.core import clock
from consent.extensions import db
from consent.notifications.operations import deliver_due
from tests.i18n.support import english_leaks, html_lang
from tests.i18n.test_emails import only_message_to, read


def test_a_request_recorded_by_phone_is_told_to_the_guardian_in_spanish(
    app, as_, demo, smtp, no_backlog
):
    with app.app_context():
        today = clock.today()
    johnson = as_("johnson")
    url = f"/students/{demo.students['sofia']}/optouts/record?tool={demo.tools['seesaw']}"
    recorded = johnson.post(
        url,
        {
            "guardian": demo.guardians["maria"],
            "channel": "phone",
            "received_on": today.isoformat(),
            "feature": "photos",
            "accommodation": "Post work without photos or videos of my child",
        },
    )
    assert recorded.status_code == 302
    assert "/printable" not in recorded.headers["Location"]  # she has email and an account
    assert "The opt-out is recorded" in johnson.get(recorded.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assert deliver_due().failed == 0
        db.session.remove()

    subject, text, html = read(only_message_to(smtp, "maria"))
    assert subject == "La escuela registró su solicitud para Sofia sobre Seesaw"
    assert text.startswith("Hola, Maria:")
    flat = " ".join(text.split())
    assert "Emily Johnson registró una solicitud de exclusión voluntaria por usted." in flat
    assert "Usted la pidió por teléfono el" in flat
    assert "Herramienta: Seesaw" in flat
    assert "puede retirar la solicitud en cualquier momento" in flat
    assert "/requests/" in text
    assert html_lang(html) == "es" and "Revisar o retirar la solicitud</a>" in html
    assert english_leaks(text) == [] and english_leaks(html) == []
    # The English-speaking second parent is not on this request: nothing is sent to him.
    assert smtp.to("luis.garcia@demo.consent.example") == []
