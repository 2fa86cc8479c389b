"""Every decision gets a receipt in the family's language, with a verification code: a web
opt-out (page and email, naming every teacher and principal it went to), a staff-recorded one
(printable page and email), a web form answer (page and email) and a staff-entered answer
(email). Emails are read from the real SMTP server, in English and in Spanish."""

import re

import pytest
from sqlalchemy import select

from consent.consentforms.models import ConsentAnswerEvent
from consent.core import clock
from consent.extensions import db
from consent.optouts.models import OptOut
from consent.receipts.codes import grouped
from consent.receipts.models import Receipt, ReceiptKind
from tests.i18n.support import english_leaks, html_lang

SEESAW_PHOTOS = {
    "feature": "photos",
    "accommodation": "Post work without photos or videos of my child",
    "reason": "",
    "send": "Send request",
}
CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@pytest.fixture
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")


CLASSROOM = {"feature": "", "accommodation": "Alternative activity", "send": "Send request"}


def _file_seesaw(as_, demo, persona: str, student: str, tool="seesaw", fields=None) -> int:
    url = f"/students/{demo.students[student]}/optouts/new?tool={demo.tools[tool]}"
    sent = as_(persona).post(url, fields or SEESAW_PHOTOS)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    return int(re.search(r"/requests/(\d+)/receipt", sent.headers["Location"]).group(1))


def _receipts(app, **where) -> list[Receipt]:
    with app.app_context():
        rows = db.session.scalars(select(Receipt).filter_by(**where).order_by(Receipt.id))
        return [(r.id, r.code, r.guardian_id, r.kind) for r in rows]


def test_a_web_opt_out_receipt_names_every_recipient_and_carries_the_code(
    app, as_, demo, deliver, no_backlog
):
    optout_id = _file_seesaw(as_, demo, "james", "ava", "classroom", CLASSROOM)
    ((number, code, guardian, kind),) = _receipts(app, optout_id=optout_id)
    assert (guardian, kind) == (demo.guardians["james"], ReceiptKind.OPTOUT)

    page = as_("james").get(f"/requests/{optout_id}/receipt").get_data(as_text=True)
    assert grouped(code) in page and f"(receipt {number})" in page
    # Every teacher of Ava's (the tool is district-wide), and the principal, by name.
    for name in ("Emily Johnson, teacher", "David Kim, teacher", "Angela Brooks, principal"):
        assert name in page

    (email,) = [e for e in deliver() if e.to == "james.chen@demo.consent.example"]
    assert email.subject == "We received your request for Ava about Google Classroom"
    assert f"Verification code: {grouped(code)} (receipt {number})" in email.text
    assert "We sent your request to these teachers:\n- Emily Johnson\n- David Kim" in email.text
    assert "And to the principal:\n- Angela Brooks" in email.text


def test_maria_s_opt_out_receipt_is_in_spanish(
    app, as_, demo, deliver, spanish_offered, no_backlog
):
    optout_id = _file_seesaw(as_, demo, "maria", "sofia")
    ((number, code, _, _),) = _receipts(app, optout_id=optout_id)
    page = as_("maria").get(f"/requests/{optout_id}/receipt").get_data(as_text=True)
    assert html_lang(page) == "es"
    assert "Código de verificación" in page and grouped(code) in page
    assert "Angela Brooks, director o directora" in page
    assert not english_leaks(page), english_leaks(page)

    (email,) = [e for e in deliver() if e.to == "maria.garcia@demo.consent.example"]
    assert f"Código de verificación: {grouped(code)} (comprobante {number})" in email.text
    assert "Y al director o directora:\n- Angela Brooks" in email.text
    assert not english_leaks(email.text), english_leaks(email.text)


def test_a_second_guardian_joining_gets_a_receipt_of_their_own(app, as_, demo, deliver, no_backlog):
    optout_id = _file_seesaw(as_, demo, "maria", "sofia")
    assert _file_seesaw(as_, demo, "luis", "sofia") == optout_id  # joined Maria's request
    rows = _receipts(app, optout_id=optout_id)
    assert [g for *_, g, _ in rows] == [demo.guardians["maria"], demo.guardians["luis"]]
    assert len({code for _, code, _, _ in rows}) == 2
    luis_code = rows[1][1]
    (email,) = [e for e in deliver() if e.to == "luis.garcia@demo.consent.example"]
    assert grouped(luis_code) in email.text
    # A double submit joins nothing new and issues nothing new.
    assert _file_seesaw(as_, demo, "luis", "sofia") == optout_id
    assert len(_receipts(app, optout_id=optout_id)) == 2


def test_a_recorded_opt_out_s_printable_receipt_and_email_carry_the_code(
    app, as_, demo, deliver, no_backlog
):
    johnson = as_("johnson")
    url = f"/students/{demo.students['liam']}/optouts/record?tool={demo.tools['zoom']}"
    answer = johnson.post(
        url,
        {
            "guardian": demo.guardians["robert"],
            "channel": "phone",
            "received_on": _today(app),
            "feature": "video",
            "accommodation": "Camera off",
        },
    )
    assert answer.status_code == 302
    with app.app_context():
        optout_id = db.session.scalar(
            select(OptOut.id).where(
                OptOut.student_id == demo.students["liam"], OptOut.tool_id == demo.tools["zoom"]
            )
        )
    ((number, code, guardian, _),) = _receipts(app, optout_id=optout_id)
    assert guardian == demo.guardians["robert"]
    printable = johnson.get(f"/requests/{optout_id}/printable").get_data(as_text=True)
    assert "Verification code for Robert Smith" in printable and grouped(code) in printable
    assert "Emily Johnson, teacher" in printable and "Angela Brooks, principal" in printable
    (email,) = [e for e in deliver() if e.to == "robert.smith@demo.consent.example"]
    assert f"Verification code: {grouped(code)} (receipt {number})" in email.text


def _today(app) -> str:
    with app.app_context():
        return clock.today().isoformat()


def _answer_rows(app, form_id: int, student_id: int):
    with app.app_context():
        return db.session.execute(
            select(ConsentAnswerEvent.id, Receipt.id, Receipt.code, Receipt.version)
            .join(Receipt, Receipt.answer_event_id == ConsentAnswerEvent.id)
            .where(
                ConsentAnswerEvent.form_id == form_id, ConsentAnswerEvent.student_id == student_id
            )
            .order_by(ConsentAnswerEvent.id)
        ).all()


def test_a_web_form_answer_gets_a_receipt_page_and_email_in_each_language(
    app, as_, demo, make_form, deliver, spanish_offered
):
    form_id = make_form()
    deliver()  # the notices of publishing
    sofia = demo.students["sofia"]
    url = f"/forms/{form_id}/students/{sofia}"
    page = as_("luis").post(url, {"answer": "refused"}, follow_redirects=True)
    ((_, number, code, version),) = _answer_rows(app, form_id, sofia)
    assert version == "1"
    assert f"verification code {grouped(code)}" in page.get_data(as_text=True)

    receipt = as_("luis").get(f"{url}/receipt").get_data(as_text=True)
    assert "Receipt: Directory information for Sofia" in receipt
    assert grouped(code) in receipt and "No, permission refused" in receipt
    assert "Version 1" in receipt and "Luis Garcia" in receipt

    (email,) = deliver()
    assert email.to == "luis.garcia@demo.consent.example"
    assert email.subject == "Your answer for Sofia: Directory information"
    assert f"Verification code: {grouped(code)} (receipt {number})" in email.text
    assert "Form text: version 1" in email.text
    assert f"/forms/{form_id}/students/{sofia}/receipt" in email.text

    as_("maria").post(url, {"answer": "refused"})
    rows = _answer_rows(app, form_id, sofia)
    maria_number, maria_code = rows[-1][1], rows[-1][2]
    (email,) = deliver()
    assert email.to == "maria.garcia@demo.consent.example"
    assert email.subject == "Su respuesta para Sofia: Directory information"
    assert f"Código de verificación: {grouped(maria_code)} (comprobante {maria_number})" in (
        email.text
    )
    assert not english_leaks(email.text), english_leaks(email.text)
    page = as_("maria").get(f"{url}/receipt").get_data(as_text=True)
    assert html_lang(page) == "es" and grouped(maria_code) in page
    assert grouped(code) not in page  # Luis's receipt is his


def test_a_staff_entered_answer_s_email_carries_its_code(app, as_, demo, make_form, deliver):
    form_id = make_form()
    deliver()
    olivia = demo.students["olivia"]
    entered = as_("lee").post(
        f"/consent-forms/{form_id}/students/{olivia}/entry",
        {
            "guardian": demo.guardians["patricia"],
            "answer": "refused",
            "method": "paper",
            "received_on": _today(app),
            "note": "",
        },
        follow_redirects=True,
    )
    ((_, number, code, _),) = _answer_rows(app, form_id, olivia)
    assert f"verification code {grouped(code)}" in entered.get_data(as_text=True)
    (email,) = deliver()
    assert email.to == "patricia.jones@demo.consent.example"
    assert f"Verification code: {grouped(code)} (receipt {number})" in email.text
    # Patricia sees the same receipt online.
    page = as_("patricia").get(f"/forms/{form_id}/students/{olivia}/receipt")
    assert grouped(code) in page.get_data(as_text=True)


def test_no_answer_no_receipt_page(app, as_, demo, make_form):
    form_id = make_form()
    ava = demo.students["ava"]
    assert as_("james").get(f"/forms/{form_id}/students/{ava}/receipt").status_code == 404
    assert as_("grace").get(f"/forms/{form_id}/students/{ava}/receipt").status_code == 404
