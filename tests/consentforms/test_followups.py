"""Issue 4 follow-ups. A tool consent given after a refusal withdraws the opt-out the refusal
opened (only when the answer in force becomes consent), telling the teachers as a guardian's
withdrawal does. Staff record a paper or phone answer after the window closes when it was
received in time; guardians' own answers stay bound to the window."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from consent.accounts.models import Account
from consent.catalog.models import Tool
from consent.consentforms import operations
from consent.consentforms.models import (
    Answer,
    AnswerMethod,
    ConsentAnswerEvent,
    ConsentForm,
    FormKind,
    FormMode,
)
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts import operations as optouts
from consent.optouts.models import Event, OptOut, OptOutRequester, OptOutStatus, Task
from consent.roster.models import Student

TITLE = "Flip video responses"


def _flip_form(demo, make_form, **fields) -> int:
    return make_form(
        title=TITLE,
        kind=FormKind.TOOL_CONSENT,
        mode=FormMode.OPT_IN,
        tool_id=demo.tools["flip"],
        **fields,
    )


def _flip_optout(app, demo, student="mateo"):
    """(id, status, requesting guardian ids) of the child's latest whole-tool Flip request."""
    with app.app_context():
        optout = db.session.scalar(
            select(OptOut)
            .where(
                OptOut.student_id == demo.students[student],
                OptOut.tool_id == demo.tools["flip"],
                OptOut.feature == "",
            )
            .order_by(OptOut.id.desc())
            .limit(1)
        )
        if optout is None:
            return None
        requesters = db.session.scalars(
            select(OptOutRequester.guardian_id)
            .where(OptOutRequester.optout_id == optout.id)
            .order_by(OptOutRequester.guardian_id)
        )
        return optout.id, optout.status, list(requesters)


def _kinds(app, optout_id):
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.kind)
                .where(Notification.optout_id == optout_id)
                .order_by(Notification.id)
            )
        )


def _timeline(app, optout_id):
    with app.app_context():
        return [
            (e.kind, e.note)
            for e in db.session.scalars(
                select(Event).where(Event.optout_id == optout_id).order_by(Event.id)
            )
        ]


# --- 1. consent after a refusal withdraws the opt-out ---------------------------------------


def test_consent_after_a_refusal_withdraws_the_opt_out_and_tells_the_teacher(
    app, demo, as_, make_form
):
    form_id = _flip_form(demo, make_form)
    maria = as_("maria")
    url = f"/forms/{form_id}/students/{demo.students['mateo']}"
    maria.post(url, {"answer": "refused"})
    optout_id, status, _ = _flip_optout(app, demo)
    assert status is OptOutStatus.SUBMITTED

    page = maria.post(url, {"answer": "granted"}, follow_redirects=True).get_data(as_text=True)
    assert "the opt-out request for Flip was withdrawn" in page
    assert _flip_optout(app, demo)[1] is OptOutStatus.WITHDRAWN
    kind, note = _timeline(app, optout_id)[-1]
    assert kind == "withdrawn"
    assert f"Consent given on the form “{TITLE}”" in note
    assert "optouts/withdrawn_teacher" in _kinds(app, optout_id)  # Mr. Patel, English 7
    with app.app_context():
        assert db.session.scalars(
            select(Task.closed_reason).where(Task.optout_id == optout_id)
        ).all() == ["request withdrawn"]
    # The family sees why on the request's timeline.
    timeline = maria.get(f"/requests/{optout_id}").get_data(as_text=True)
    assert (
        "Withdrawn by the guardian" in timeline
        and f"Consent given on the form “{TITLE}”" in timeline
    )


def test_what_the_request_stores_is_in_the_districts_language_whoever_answered(
    app, demo, as_, make_form
):
    """Maria answers in Spanish; the reason and the timeline note her answers write are read
    later by English-speaking teachers, so they are stored in the district's language."""
    app.config["LANGUAGES"] = ("en", "es")
    form_id = _flip_form(demo, make_form)
    maria = as_("maria")
    url = f"/forms/{form_id}/students/{demo.students['mateo']}"
    maria.post(url, {"answer": "refused"})
    optout_id, _, _ = _flip_optout(app, demo)
    with app.app_context():
        assert db.session.get(OptOut, optout_id).reason == f"Consent refused on the form “{TITLE}”."
    maria.post(url, {"answer": "granted"})
    assert _timeline(app, optout_id)[-1] == ("withdrawn", f"Consent given on the form “{TITLE}”.")


def test_the_opt_out_stays_while_another_guardian_still_refuses(app, demo, as_, make_form):
    form_id = _flip_form(demo, make_form)
    url = f"/forms/{form_id}/students/{demo.students['mateo']}"
    maria, luis = as_("maria"), as_("luis")
    maria.post(url, {"answer": "refused"})
    luis.post(url, {"answer": "refused"})  # joins the same request
    optout_id, _, requesters = _flip_optout(app, demo)
    assert requesters == sorted([demo.guardians["maria"], demo.guardians["luis"]])

    maria.post(url, {"answer": "granted"})  # the refusal of Luis stands
    assert _flip_optout(app, demo)[1] is OptOutStatus.SUBMITTED
    assert "optouts/withdrawn_teacher" not in _kinds(app, optout_id)

    luis.post(url, {"answer": "granted"})  # now the answer in force is consent
    assert _flip_optout(app, demo)[1] is OptOutStatus.WITHDRAWN
    kinds = _kinds(app, optout_id)
    assert kinds.count("optouts/withdrawn_teacher") == 1
    assert "optouts/disagreement" not in kinds  # they agree: nobody is told of a disagreement
    assert kinds.count("optouts/withdrawn") == 2  # both guardians hear it ended


def test_a_confirmed_opt_out_is_withdrawn_too_and_the_teacher_told(app, demo, as_, make_form):
    form_id = _flip_form(demo, make_form)
    url = f"/forms/{form_id}/students/{demo.students['mateo']}"
    maria = as_("maria")
    maria.post(url, {"answer": "refused"})
    optout_id = _flip_optout(app, demo)[0]
    with app.app_context():
        optout = db.session.get(OptOut, optout_id)
        patel = db.session.get(Account, demo.accounts["patel"])
        optouts.record_plan(
            actor=patel, task=optout.tasks[0], option=optout.accommodation, note="Paper work."
        )
        optouts.confirm(actor=db.session.get(Account, demo.accounts["reed"]), optout=optout)
        db.session.commit()
    assert _flip_optout(app, demo)[1] is OptOutStatus.CONFIRMED

    maria.post(url, {"answer": "granted"})
    assert _flip_optout(app, demo)[1] is OptOutStatus.WITHDRAWN
    assert _kinds(app, optout_id)[-2:] == ["optouts/withdrawn_teacher", "optouts/withdrawn"]
    kind, note = _timeline(app, optout_id)[-1]
    assert kind == "withdrawn" and TITLE in note


def test_a_request_another_guardian_filed_directly_stands(app, demo, as_, make_form):
    form_id = _flip_form(demo, make_form)
    with app.app_context():
        tool = db.session.get(Tool, demo.tools["flip"])
        optouts.file_optout(
            actor=db.session.get(Account, demo.accounts["luis"]),
            student=db.session.get(Student, demo.students["mateo"]),
            tool=tool,
            feature="",
            accommodation=tool.optout_options[0].label,
        )
        db.session.commit()
    url = f"/forms/{form_id}/students/{demo.students['mateo']}"
    maria = as_("maria")
    maria.post(url, {"answer": "refused"})  # joins Luis's request
    optout_id, _, requesters = _flip_optout(app, demo)
    assert demo.guardians["maria"] in requesters

    maria.post(url, {"answer": "granted"})  # Luis never answered the form: his request stands
    optout_id, status, requesters = _flip_optout(app, demo)
    assert status is OptOutStatus.SUBMITTED
    assert requesters == [demo.guardians["luis"]]
    assert _timeline(app, optout_id)[-1][0] == "withdrawal_declined"


def test_a_yes_given_before_asking_for_the_opt_out_does_not_withdraw_it(app, demo, as_, make_form):
    """Luis said yes on the form, then asked for the opt-out: the request is what he wants now,
    and Maria's later yes must not end it in his name."""
    form_id = _flip_form(demo, make_form)
    url = f"/forms/{form_id}/students/{demo.students['mateo']}"
    as_("luis").post(url, {"answer": "granted"})
    with app.app_context():
        tool = db.session.get(Tool, demo.tools["flip"])
        optouts.file_optout(
            actor=db.session.get(Account, demo.accounts["luis"]),
            student=db.session.get(Student, demo.students["mateo"]),
            tool=tool,
            feature="",
            accommodation=tool.optout_options[0].label,
        )
        db.session.commit()

    as_("maria").post(url, {"answer": "granted"})
    _, status, requesters = _flip_optout(app, demo)
    assert status is OptOutStatus.SUBMITTED
    assert requesters == [demo.guardians["luis"]]


def test_consent_with_no_opt_out_open_changes_nothing(app, demo, as_, make_form):
    form_id = _flip_form(demo, make_form)
    as_("maria").post(f"/forms/{form_id}/students/{demo.students['mateo']}", {"answer": "granted"})
    assert _flip_optout(app, demo) is None


# --- 2. staff record answers received before the window closed -----------------------------


def _closed_form(app, make_form, **fields) -> tuple[int, object]:
    with app.app_context():
        today = clock.today()
    closes = today - timedelta(days=2)
    fields.setdefault("title", "Directory information")
    return make_form(opens_on=today - timedelta(days=20), closes_on=closes, **fields), closes


def _entries(app, form_id, student_id):
    with app.app_context():
        return [
            (e.guardian_id, e.answer, e.method, e.entered_by_account_id, e.note)
            for e in db.session.scalars(
                select(ConsentAnswerEvent)
                .where(
                    ConsentAnswerEvent.form_id == form_id,
                    ConsentAnswerEvent.student_id == student_id,
                )
                .order_by(ConsentAnswerEvent.id)
            )
        ]


def test_staff_record_a_paper_form_received_before_the_window_closed(
    app, demo, as_, make_form, deliver
):
    form_id, closes = _closed_form(app, make_form)
    deliver()  # what publishing sent
    ava = demo.students["ava"]
    brooks = as_("brooks")
    url = f"/consent-forms/{form_id}/students/{ava}/entry"
    page = brooks.get(url).get_data(as_text=True)
    assert "You can still record an answer that was received by then" in page
    assert 'name="received_on"' in page

    answer = brooks.post(
        url,
        {
            "guardian": demo.guardians["james"],
            "answer": "refused",
            "method": "paper",
            "received_on": closes.isoformat(),
            "note": "Found in the office tray",
        },
    )
    assert answer.status_code == 302
    ((guardian, given, method, entered_by, note),) = _entries(app, form_id, ava)
    assert (guardian, given, method, entered_by) == (
        demo.guardians["james"],
        Answer.REFUSED,
        AnswerMethod.PAPER,
        demo.accounts["brooks"],
    )
    assert note.startswith("Received on ") and note.endswith("Found in the office tray")
    (email,) = [e for e in deliver() if e.to == "james.chen@demo.consent.example"]
    # The form is closed: the email must not offer a change online it would then refuse.
    assert "the form is closed, so it can no longer be changed online" in " ".join(
        email.text.split()
    )
    assert "you can change it online" not in email.text
    listed = brooks.get(f"/consent-forms/{form_id}/students").get_data(as_text=True)
    assert "No, permission refused" in listed
    # The guardian's own answers stay bound to the window.
    late = as_("james").post(
        f"/forms/{form_id}/students/{ava}", {"answer": "granted"}, token_from="/forms"
    )
    assert "Answers can no longer be given or changed." in late.get_data(as_text=True)
    assert len(_entries(app, form_id, ava)) == 1


def test_a_late_or_future_received_date_is_refused_with_a_message(app, demo, as_, make_form):
    form_id, closes = _closed_form(app, make_form)
    ava = demo.students["ava"]
    brooks = as_("brooks")
    url = f"/consent-forms/{form_id}/students/{ava}/entry"
    base = {"guardian": demo.guardians["james"], "answer": "granted", "method": "paper"}
    after = brooks.post(url, {**base, "received_on": (closes + timedelta(days=1)).isoformat()})
    assert after.status_code == 200
    text = after.get_data(as_text=True)
    assert "received after the form closed" in text and 'role="alert"' in text
    missing = brooks.post(url, base).get_data(as_text=True)  # no date: taken as today, too late
    assert "received after the form closed" in missing
    assert _entries(app, form_id, ava) == []

    open_form = make_form(title="Media release", kind=FormKind.MEDIA_RELEASE)
    with app.app_context():
        tomorrow = clock.today() + timedelta(days=1)
    future = brooks.post(
        f"/consent-forms/{open_form}/students/{ava}/entry",
        {**base, "received_on": tomorrow.isoformat()},
    )
    assert future.status_code == 200
    assert "The date received cannot be in the future." in future.get_data(as_text=True)
    assert _entries(app, open_form, ava) == []


def test_a_paper_older_than_the_guardians_own_later_answer_is_not_recorded(
    app, demo, as_, make_form
):
    form_id = make_form()
    ava = demo.students["ava"]
    with app.app_context():
        today = clock.today()
        three_days_ago = datetime(today.year, today.month, today.day, 16, tzinfo=UTC) - timedelta(
            days=3
        )
        operations.answer_form(
            actor=db.session.get(Account, demo.accounts["james"]),
            form=db.session.get(ConsentForm, form_id),
            student=db.session.get(Student, ava),
            answer=Answer.GRANTED,
            now=three_days_ago,
        )
        db.session.commit()
    refused = as_("lee").post(
        f"/consent-forms/{form_id}/students/{ava}/entry",
        {
            "guardian": demo.guardians["james"],
            "answer": "refused",
            "method": "paper",
            "received_on": (today - timedelta(days=5)).isoformat(),
        },
    )
    assert refused.status_code == 200
    assert "gave a newer answer" in refused.get_data(as_text=True)
    assert [e[1] for e in _entries(app, form_id, ava)] == [Answer.GRANTED]


def test_a_late_paper_consent_withdraws_the_opt_out(app, demo, as_, make_form):
    """Both follow-ups together: a consent received in time, entered after the window closed,
    still ends the opt-out that the guardian's refusal opened."""
    with app.app_context():
        today = clock.today()
    form_id = _flip_form(demo, make_form)
    mateo = demo.students["mateo"]
    with app.app_context():  # Maria said no online three days ago
        operations.answer_form(
            actor=db.session.get(Account, demo.accounts["maria"]),
            form=db.session.get(ConsentForm, form_id),
            student=db.session.get(Student, mateo),
            answer=Answer.REFUSED,
            now=clock.now() - timedelta(days=3),
        )
        db.session.commit()
    optout_id = _flip_optout(app, demo)[0]
    with app.app_context():  # the window closes yesterday
        form = db.session.get(ConsentForm, form_id)
        form.closes_on = today - timedelta(days=1)
        db.session.commit()
    answer = as_("reed").post(
        f"/consent-forms/{form_id}/students/{mateo}/entry",
        {
            "guardian": demo.guardians["maria"],
            "answer": "granted",
            "method": "paper",
            "received_on": (today - timedelta(days=1)).isoformat(),
        },
    )
    assert answer.status_code == 302
    assert _flip_optout(app, demo)[:2] == (optout_id, OptOutStatus.WITHDRAWN)
