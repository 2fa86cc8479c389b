"""A class's batch of paper answers: a teacher of the class (or its principal, or the privacy
office) enters one row per student (yes / no / no answer yet), who answered and the date
received. Each row goes through the single staff entry (`answer_form`): its history, audit row
and email to the guardian. One refused row and nothing is saved; the page says whose and why."""

from datetime import timedelta

from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.consentforms.models import Answer, AnswerMethod, ConsentAnswer, ConsentAnswerEvent
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from tests.consentforms.conftest import count


def _recorded(form_id: int) -> tuple:
    """The "what was recorded for you" notices of this form (the demo has entries of its own)."""
    return (
        Notification.kind == "consentform_recorded",
        Notification.link.contains(f"/forms/{form_id}/"),
    )


def _url(demo, form_id: int, section: str = "english7") -> str:
    return f"/sections/{demo.sections[section]}/forms/{form_id}/answers"


def _rows(demo, *rows) -> dict:
    """Form data for rows (student, answer, guardian, received_on) in the order given."""
    data = {}
    for n, (student, answer, guardian, received) in enumerate(rows):
        data[f"rows-{n}-student"] = demo.students[student]
        data[f"rows-{n}-answer"] = answer
        data[f"rows-{n}-guardian"] = demo.guardians[guardian] if guardian else ""
        data[f"rows-{n}-received_on"] = received.isoformat() if received else ""
    return data


def test_the_class_page_lists_its_forms_and_one_row_per_student(app, demo, as_, make_form):
    form_id = make_form(title="Directory information 2026")
    patel = as_("patel")
    section = patel.get(f"/sections/{demo.sections['english7']}").get_data(as_text=True)
    assert "Enter paper answers to a consent form for this class" in section
    forms = patel.get(f"/sections/{demo.sections['english7']}/forms").get_data(as_text=True)
    assert "Directory information 2026" in forms and _url(demo, form_id) in forms
    page = patel.get(_url(demo, form_id)).get_data(as_text=True)
    for name in ("Mateo Garcia", "Olivia Jones", "Amélie Miller", "Mia Moore", "Lucas Wilson"):
        assert f"<legend>{name}</legend>" in page
    assert "Sofia Garcia" not in page  # not in English 7
    with app.app_context():
        shown = db.session.scalars(
            select(AuditEvent.student_id).where(AuditEvent.action == "consentform.class.view")
        ).all()
    assert len(shown) == 5


def test_a_teacher_enters_the_class_s_answers_each_as_a_single_entry(
    app, demo, as_, make_form, deliver
):
    form_id = make_form()
    deliver()  # the notices of publication
    with app.app_context():
        today = clock.today()
    answer = as_("patel").post(
        _url(demo, form_id),
        _rows(
            demo,
            ("mateo", "refused", "maria", today),
            ("olivia", "granted", "patricia", today),
            ("amelia", "", "", today),
        ),
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    with app.app_context():
        given = db.session.scalars(
            select(ConsentAnswerEvent)
            .where(ConsentAnswerEvent.form_id == form_id)
            .order_by(ConsentAnswerEvent.id)
        ).all()
        assert [(e.student_id, e.answer, e.method, e.entered_by_account_id) for e in given] == [
            (demo.students["mateo"], Answer.REFUSED, AnswerMethod.PAPER, demo.accounts["patel"]),
            (demo.students["olivia"], Answer.GRANTED, AnswerMethod.PAPER, demo.accounts["patel"]),
        ]
        assert count(ConsentAnswer, ConsentAnswer.form_id == form_id) == 2
        entered = db.session.scalars(
            select(AuditEvent.student_id).where(
                AuditEvent.action == "consentform.enter",
                AuditEvent.target == f"consentform:{form_id}",  # not the demo's own entries
            )
        ).all()
        assert sorted(entered) == sorted([demo.students["mateo"], demo.students["olivia"]])
        assert count(Notification, *_recorded(form_id)) == 2
    emails = deliver()
    assert {e.to for e in emails} == {
        "maria.garcia@demo.consent.example",
        "patricia.jones@demo.consent.example",
    }


def test_one_refused_row_saves_nothing_and_the_page_names_the_student(app, demo, as_, make_form):
    form_id = make_form()
    with app.app_context():
        today = clock.today()
    answer = as_("patel").post(
        _url(demo, form_id),
        _rows(
            demo,
            ("mateo", "refused", "maria", today),
            ("olivia", "granted", "patricia", today + timedelta(days=1)),
        ),
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Nothing was saved" in page
    assert "Olivia Jones: The date received cannot be in the future." in page
    assert f'href="#row-{demo.students["olivia"]}"' in page
    with app.app_context():
        assert count(ConsentAnswerEvent, ConsentAnswerEvent.form_id == form_id) == 0
        assert count(Notification, *_recorded(form_id)) == 0
        assert (
            count(
                AuditEvent,
                AuditEvent.action == "consentform.enter",
                AuditEvent.target == f"consentform:{form_id}",
            )
            == 0
        )


def test_a_row_without_who_answered_is_sent_back_to_be_fixed(app, demo, as_, make_form):
    """Mateo has two parents with rights: the row must say which one answered."""
    form_id = make_form()
    page = as_("patel").post(
        _url(demo, form_id),
        _rows(demo, ("mateo", "granted", None, None), ("olivia", "granted", "patricia", None)),
    )
    text = page.get_data(as_text=True)
    assert "Mateo Garcia: Choose who answered for Mateo Garcia." in text
    with app.app_context():
        assert count(ConsentAnswerEvent, ConsentAnswerEvent.form_id == form_id) == 0


def test_nothing_answered_is_refused(app, demo, as_, make_form):
    form_id = make_form()
    page = as_("patel").post(_url(demo, form_id), _rows(demo, ("mateo", "", "", None)))
    assert "Choose yes or no for at least one student." in page.get_data(as_text=True)


def test_a_row_for_a_student_outside_the_class_is_a_missing_page(app, demo, as_, make_form):
    form_id = make_form()
    answer = as_("lee").post(_url(demo, form_id), _rows(demo, ("sofia", "granted", "maria", None)))
    assert answer.status_code == 404
    with app.app_context():
        assert count(ConsentAnswerEvent, ConsentAnswerEvent.form_id == form_id) == 0


def test_the_principal_and_the_office_enter_too_and_other_teachers_cannot(
    app, demo, as_, make_form
):
    form_id = make_form()
    for persona in ("reed", "lee"):
        assert as_(persona).get(_url(demo, form_id)).status_code == 200
    for persona in ("johnson", "brooks"):
        assert as_(persona).get(_url(demo, form_id)).status_code == 404
    draft = make_form(publish=False)
    assert as_("lee").get(_url(demo, draft)).status_code == 404


def test_a_refused_tool_consent_opens_the_opt_out_as_staff_recording_it(app, demo, as_, make_form):
    """Flip in English 7: a "no" on paper opens the routed opt-out, recorded by the teacher
    for the guardian, exactly as the single staff entry does (Mia: the demo's Lucas already
    refused on the demo's own Flip form)."""
    from consent.consentforms.models import FormKind, FormMode
    from consent.optouts.models import OptOut

    form_id = make_form(
        kind=FormKind.TOOL_CONSENT,
        mode=FormMode.OPT_IN,
        title="Flip consent",
        tool_id=demo.tools["flip"],
    )
    answer = as_("patel").post(_url(demo, form_id), _rows(demo, ("mia", "refused", "sarah", None)))
    assert answer.status_code == 302
    with app.app_context():
        optout = db.session.scalar(
            select(OptOut).where(
                OptOut.student_id == demo.students["mia"],
                OptOut.tool_id == demo.tools["flip"],
            )
        )
        assert optout is not None
        assert optout.recorded_by_account_id == demo.accounts["patel"]
        assert optout.filed_by_guardian_id == demo.guardians["sarah"]
