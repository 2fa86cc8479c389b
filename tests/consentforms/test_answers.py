"""Guardians answer per child and may change their answer until the window closes; staff enter
paper and phone answers and the guardian is emailed what was recorded; guardians who disagree
get the more protective answer and are both told; a refused tool consent opens an opt-out."""

from datetime import timedelta

from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.consentforms import operations
from consent.consentforms.models import (
    Answer,
    AnswerMethod,
    ConsentAnswer,
    ConsentAnswerEvent,
    ConsentForm,
    FormKind,
    FormMode,
)
from consent.consentforms.rules import ConsentFormError
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import OptOut, OptOutStatus, Task
from consent.roster.models import Student
from tests.consentforms.conftest import count


def _in_force(app, form_id, student_id):
    with app.app_context():
        row = db.session.scalar(
            select(ConsentAnswer).where(
                ConsentAnswer.form_id == form_id, ConsentAnswer.student_id == student_id
            )
        )
        return row and (row.answer, row.guardian_id, row.method)


def _events(app, form_id, student_id):
    with app.app_context():
        return [
            (e.guardian_id, e.answer, e.method, e.entered_by_account_id, e.version.number)
            for e in db.session.scalars(
                select(ConsentAnswerEvent)
                .where(
                    ConsentAnswerEvent.form_id == form_id,
                    ConsentAnswerEvent.student_id == student_id,
                )
                .order_by(ConsentAnswerEvent.id)
            )
        ]


def _denied(app) -> int:
    with app.app_context():
        return count(AuditEvent, AuditEvent.action == "access.denied")


def _dates(app, opens: int, closes: int):
    with app.app_context():
        today = clock.today()
    return {"opens_on": today + timedelta(days=opens), "closes_on": today + timedelta(days=closes)}


# --- guardians ------------------------------------------------------------------------------


def test_guardian_sees_forms_waiting_answers_per_child_and_changes_the_answer(
    app, demo, as_, make_form
):
    form_id = make_form(title="Directory information 2026")
    maria = as_("maria")
    forms = maria.get("/forms").get_data(as_text=True)
    assert forms.count("Directory information 2026") == 2  # Sofia and Mateo
    assert "Waiting for your answer" in forms
    sofia, mateo = demo.students["sofia"], demo.students["mateo"]
    child = maria.get(f"/students/{sofia}").get_data(as_text=True)
    assert "Forms waiting" in child and "Directory information 2026" in child

    url = f"/forms/{form_id}/students/{sofia}"
    assert maria.post(url, {"answer": "refused"}).status_code == 302
    page = maria.get(url).get_data(as_text=True)
    assert "Your answer for Sofia is saved." in page
    assert "No, permission refused" in page and "Online" in page
    child = maria.get(f"/students/{sofia}").get_data(as_text=True)
    assert "Directory information 2026" not in child  # answered: no longer waiting

    # Changed before the window closes: the answer in force follows; the history keeps both.
    assert maria.post(url, {"answer": "granted"}).status_code == 302
    guardian = demo.guardians["maria"]
    assert _in_force(app, form_id, sofia) == (Answer.GRANTED, guardian, AnswerMethod.WEB)
    assert _events(app, form_id, sofia) == [
        (guardian, Answer.REFUSED, AnswerMethod.WEB, None, 1),
        (guardian, Answer.GRANTED, AnswerMethod.WEB, None, 1),
    ]
    # Mateo is still waiting: answers are per child.
    assert _in_force(app, form_id, mateo) is None
    with app.app_context():
        assert (
            count(
                AuditEvent,
                AuditEvent.action == "consentform.answer",
                AuditEvent.student_id == sofia,
            )
            == 2
        )


def test_an_answer_without_a_choice_is_refused_with_a_message(app, demo, as_, make_form):
    form_id = make_form()
    url = f"/forms/{form_id}/students/{demo.students['sofia']}"
    page = as_("maria").post(url, {})
    assert page.status_code == 200
    assert "Choose yes or no." in page.get_data(as_text=True)
    assert _events(app, form_id, demo.students["sofia"]) == []


def test_after_the_window_closes_answers_are_read_only(app, demo, as_, make_form):
    form_id = make_form(**_dates(app, -20, -1))
    maria = as_("maria")
    url = f"/forms/{form_id}/students/{demo.students['sofia']}"
    page = maria.get(url).get_data(as_text=True)
    assert "This form closed on" in page and "can no longer be given or changed" in page
    assert 'name="answer"' not in page
    refused = maria.post(url, {"answer": "granted"}, token_from="/forms")
    assert refused.status_code == 200
    assert "Answers can no longer be given or changed." in refused.get_data(as_text=True)
    assert _events(app, form_id, demo.students["sofia"]) == []
    assert "closed" in maria.get("/forms").get_data(as_text=True)


def test_a_form_not_yet_open_takes_no_answers(app, demo, as_, make_form, account):
    form_id = make_form(**_dates(app, 2, 10))
    with app.app_context():
        try:
            operations.answer_form(
                actor=account("maria"),
                form=db.session.get(ConsentForm, form_id),
                student=db.session.get(Student, demo.students["sofia"]),
                answer=Answer.GRANTED,
            )
        except ConsentFormError as error:
            assert "This form opens on" in str(error)
        else:
            raise AssertionError("an answer before the window opened was taken")


def test_answering_for_a_child_not_yours_is_404_and_audited(app, demo, as_, make_form):
    form_id = make_form()
    maria = as_("maria")
    ava = demo.students["ava"]
    before = _denied(app)
    assert maria.get(f"/forms/{form_id}/students/{ava}").status_code == 404
    answer = maria.post(
        f"/forms/{form_id}/students/{ava}", {"answer": "granted"}, token_from="/forms"
    )
    assert answer.status_code == 404
    assert _denied(app) == before + 2
    assert _events(app, form_id, ava) == []


def test_a_form_not_for_this_child_answers_like_a_missing_one(app, demo, as_, make_form):
    form_id = make_form(grades=["7"])  # Mateo's grade, not Sofia's
    maria = as_("maria")
    before = _denied(app)
    assert maria.get(f"/forms/{form_id}/students/{demo.students['sofia']}").status_code == 404
    assert maria.get(f"/forms/{form_id}/students/{demo.students['mateo']}").status_code == 200
    draft = make_form(publish=False)
    assert maria.get(f"/forms/{draft}/students/{demo.students['mateo']}").status_code == 404
    assert _denied(app) == before + 2


def test_a_relative_without_rights_sees_the_form_but_cannot_answer(app, demo, as_, make_form):
    form_id = make_form()
    grace = as_("grace")
    url = f"/forms/{form_id}/students/{demo.students['ava']}"
    page = grace.get(url).get_data(as_text=True)
    assert "Only a parent or guardian with rights for Ava can answer" in page
    before = _denied(app)
    assert grace.post(url, {"answer": "refused"}, token_from="/forms").status_code == 404
    assert _denied(app) == before + 1
    assert _events(app, form_id, demo.students["ava"]) == []


def test_when_guardians_disagree_the_refusal_stands_and_both_are_told(
    app, demo, as_, make_form, no_backlog, deliver
):
    form_id = make_form(title="Media release", kind=FormKind.MEDIA_RELEASE, mode=FormMode.OPT_IN)
    deliver()  # the notices of publishing
    sofia = demo.students["sofia"]
    url = f"/forms/{form_id}/students/{sofia}"
    maria, luis = as_("maria"), as_("luis")
    assert maria.post(url, {"answer": "granted"}).status_code == 302
    # Her receipt only: agreeing with nobody yet, there is nothing else to tell.
    assert [e.subject for e in deliver()] == ["Your answer for Sofia: Media release"]
    assert luis.post(url, {"answer": "refused"}).status_code == 302
    assert _in_force(app, form_id, sofia)[0] is Answer.REFUSED
    told = [e for e in deliver() if not e.subject.startswith("Your answer for")]
    assert sorted(e.to for e in told) == [
        "luis.garcia@demo.consent.example",
        "maria.garcia@demo.consent.example",
    ]
    assert all("Parents gave different answers for Sofia" in e.subject for e in told)
    assert all("No, permission refused" in e.text for e in told)

    # Maria answering yes again does not overturn Luis's refusal.
    page = maria.post(url, {"answer": "granted"}, follow_redirects=True).get_data(as_text=True)
    assert "Another parent or guardian gave a different answer" in page
    assert _in_force(app, form_id, sofia) == (
        Answer.REFUSED,
        demo.guardians["luis"],
        AnswerMethod.WEB,
    )
    # When Luis changes his mind, they agree, and the yes stands.
    deliver()
    assert luis.post(url, {"answer": "granted"}).status_code == 302
    assert _in_force(app, form_id, sofia)[0] is Answer.GRANTED
    assert [e.to for e in deliver()] == ["luis.garcia@demo.consent.example"]  # his receipt


def test_refusing_a_tool_the_child_uses_opens_a_routed_opt_out(app, demo, as_, make_form):
    form_id = make_form(
        title="Flip video responses",
        kind=FormKind.TOOL_CONSENT,
        mode=FormMode.OPT_IN,
        tool_id=demo.tools["flip"],
    )
    maria = as_("maria")
    mateo, sofia = demo.students["mateo"], demo.students["sofia"]
    page = maria.post(
        f"/forms/{form_id}/students/{mateo}", {"answer": "refused"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "an opt-out request for Flip was sent to Mateo" in page
    with app.app_context():
        optout = db.session.scalar(
            select(OptOut).where(OptOut.student_id == mateo, OptOut.tool_id == demo.tools["flip"])
        )
        assert optout.status is OptOutStatus.SUBMITTED
        assert optout.filed_by_guardian_id == demo.guardians["maria"]
        assert "Flip video responses" in optout.reason
        teachers = db.session.scalars(select(Task.teacher_id).where(Task.optout_id == optout.id))
        assert list(teachers) == [demo.staff["patel"]]  # English 7 uses Flip
        assert (
            count(
                Notification,
                Notification.optout_id == optout.id,
                Notification.kind == "optouts/filed_principal",
            )
            == 1
        )
    # Refusing again joins the same request instead of opening another.
    maria.post(f"/forms/{form_id}/students/{mateo}", {"answer": "refused"})
    with app.app_context():
        assert count(OptOut, OptOut.student_id == mateo, OptOut.tool_id == demo.tools["flip"]) == 1
    # Sofia does not use Flip: her refusal is recorded, no request is opened.
    maria.post(f"/forms/{form_id}/students/{sofia}", {"answer": "refused"})
    assert _in_force(app, form_id, sofia)[0] is Answer.REFUSED
    with app.app_context():
        assert count(OptOut, OptOut.student_id == sofia, OptOut.tool_id == demo.tools["flip"]) == 0


# --- staff entry ----------------------------------------------------------------------------


def test_principal_records_a_paper_answer_and_the_guardian_is_emailed(
    app, demo, as_, make_form, no_backlog, deliver
):
    form_id = make_form(title="Directory information 2026")
    deliver()  # the notices of publishing
    ava = demo.students["ava"]
    brooks = as_("brooks")
    url = f"/consent-forms/{form_id}/students/{ava}/entry"
    page = brooks.get(url).get_data(as_text=True)
    assert "James Chen" in page and "Grace Chen" not in page  # only rights holders answer
    answer = brooks.post(
        url,
        {
            "guardian": demo.guardians["james"],
            "answer": "refused",
            "method": "paper",
            "note": "Form returned in backpack",
        },
    )
    assert answer.status_code == 302
    assert _events(app, form_id, ava) == [
        (demo.guardians["james"], Answer.REFUSED, AnswerMethod.PAPER, demo.accounts["brooks"], 1)
    ]
    (email,) = deliver()
    assert email.to == "james.chen@demo.consent.example"
    assert email.subject == "We recorded your answer for Ava: Directory information 2026"
    assert "Angela Brooks recorded the answer you gave on paper" in email.text
    assert "No, permission refused" in email.text
    assert "version 1" in email.text
    # The guardian sees it on their own page, marked as entered by staff.
    shown = as_("james").get(f"/forms/{form_id}/students/{ava}").get_data(as_text=True)
    assert "On paper" in shown and "entered by school staff" in shown
    with app.app_context():
        assert (
            count(
                AuditEvent, AuditEvent.action == "consentform.enter", AuditEvent.student_id == ava
            )
            == 1
        )


def test_office_records_a_phone_refusal_for_a_parent_without_an_account(app, demo, as_, make_form):
    form_id = make_form(
        title="Zoom consent",
        kind=FormKind.TOOL_CONSENT,
        mode=FormMode.OPT_IN,
        tool_id=demo.tools["zoom"],
    )
    liam = demo.students["liam"]  # Room 12 uses Zoom; his father Robert has no account
    lee = as_("lee")
    answer = lee.post(
        f"/consent-forms/{form_id}/students/{liam}/entry",
        {"guardian": demo.guardians["robert"], "answer": "refused", "method": "phone"},
    )
    assert answer.status_code == 302
    with app.app_context():
        optout = db.session.scalar(
            select(OptOut).where(OptOut.student_id == liam, OptOut.tool_id == demo.tools["zoom"])
        )
        assert optout is not None and optout.filed_by_guardian_id == demo.guardians["robert"]
        told = db.session.scalars(
            select(Notification.kind).where(Notification.guardian_id == demo.guardians["robert"])
        ).all()
        # Staff recorded it for him: he is told who recorded what, not sent a web receipt.
        assert "consentform_recorded" in told and "optouts/recorded" in told
        assert "optouts/receipt" not in told
        assert optout.channel == "phone"
        assert optout.recorded_by_account_id == demo.accounts["lee"]


def test_staff_entry_received_after_the_window_and_for_another_school_is_refused(
    app, demo, as_, make_form
):
    closed = make_form(**_dates(app, -20, -1))
    brooks = as_("brooks")
    ava = demo.students["ava"]
    page = brooks.post(  # no date received: taken as today, after the window closed
        f"/consent-forms/{closed}/students/{ava}/entry",
        {"guardian": demo.guardians["james"], "answer": "granted", "method": "phone"},
        token_from="/consent-forms",
    )
    assert page.status_code == 200
    assert "An answer received after the form closed cannot be recorded." in page.get_data(
        as_text=True
    )
    assert _events(app, closed, ava) == []

    open_form = make_form()
    reed = as_("reed")  # Riverside's principal, Ava is at Oakwood
    before = _denied(app)
    assert reed.get(f"/consent-forms/{open_form}/students/{ava}/entry").status_code == 404
    refused = reed.post(
        f"/consent-forms/{open_form}/students/{ava}/entry",
        {"guardian": demo.guardians["james"], "answer": "granted", "method": "phone"},
        token_from="/consent-forms",
    )
    assert refused.status_code == 404
    assert _denied(app) == before + 2
    assert _events(app, open_form, ava) == []


def test_staff_must_say_how_the_answer_came(app, demo, as_, make_form):
    form_id = make_form()
    page = as_("lee").post(
        f"/consent-forms/{form_id}/students/{demo.students['ava']}/entry",
        {"guardian": demo.guardians["james"], "answer": "granted"},
    )
    assert "Say whether it came on paper or by phone." in page.get_data(as_text=True)
    assert _events(app, form_id, demo.students["ava"]) == []


def test_staff_list_shows_answers_for_the_principals_school_only(app, demo, as_, make_form):
    form_id = make_form()
    as_("maria").post(f"/forms/{form_id}/students/{demo.students['sofia']}", {"answer": "refused"})
    brooks = as_("brooks")
    page = brooks.get(f"/consent-forms/{form_id}/students").get_data(as_text=True)
    assert "Sofia Garcia" in page and "Mateo Garcia" not in page
    assert "No, permission refused" in page
    waiting = brooks.get(f"/consent-forms/{form_id}/students?show=none").get_data(as_text=True)
    assert "Sofia Garcia" not in waiting and "Ava Chen" in waiting
    everyone = as_("lee").get(f"/consent-forms/{form_id}/students").get_data(as_text=True)
    assert "Mateo Garcia" in everyone and "13 students" in everyone
    with app.app_context():
        assert (
            count(
                AuditEvent,
                AuditEvent.action == "consentform.students.list",
                AuditEvent.actor_account_id == demo.accounts["brooks"],
            )
            == 6 + 5
        )  # Oakwood's six students, then the five not yet answered
