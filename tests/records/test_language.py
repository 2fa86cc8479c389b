"""Records emails and pages in the family's language: María prefers Spanish, and the district
offers it (as it does by default); the staff who are told at the same time get English."""

import pytest

from tests.i18n.support import english_leaks, html_lang
from tests.records.helpers import AMENDMENT, deliver, file_request, mail_to, step


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")


def test_maria_reads_every_step_in_spanish_and_the_office_in_english(
    app, as_, demo, smtp, no_backlog
):
    rr_id = file_request(as_, demo, "maria", "sofia", AMENDMENT)
    step(
        as_("lee"), rr_id, "decision", {"decision": "refuse", "reason": "El registro es correcto."}
    )
    deliver(app)
    receipt, refused = mail_to(smtp, "maria")
    assert receipt[0] == "Recibimos su solicitud de expedientes de Sofia"
    assert "Expediente a corregir: Attendance record for 3 March" in receipt[1]
    assert "rechazado" in refused[0]
    assert "derecho a una audiencia" in refused[1] and "derecho a una audiencia" in refused[2]
    for _subject, body, html in (receipt, refused):
        assert html_lang(html) == "es"
        assert not english_leaks(html) and not english_leaks(body), english_leaks(html)
    (office,) = mail_to(smtp, "lee")
    assert office[0] == "New records request at Oakwood Elementary School"

    page = as_("maria").get(f"/records-requests/{rr_id}").get_data(as_text=True)
    assert html_lang(page) == "es"
    assert "Su derecho a una audiencia" in page
    assert not english_leaks(page), english_leaks(page)
