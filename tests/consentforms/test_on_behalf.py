"""Acting for someone is explicit: when staff enter a family's paper answer, the audit log names
the staff member who typed it as the actor and the guardian who answered; a paper refusal of a
tool's consent form also opens an opt-out naming both, on the request and its timeline."""

from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.consentforms.models import FormKind, FormMode
from consent.extensions import db
from consent.optouts.models import Event, OptOut


def test_a_paper_answer_entered_by_staff_is_audited_as_the_staff_member_for_the_guardian(
    app, demo, as_, make_form
):
    form_id = make_form(title="Directory information 2026")
    ava = demo.students["ava"]
    entered = as_("brooks").post(
        f"/consent-forms/{form_id}/students/{ava}/entry",
        {"guardian": demo.guardians["james"], "answer": "refused", "method": "paper"},
    )
    assert entered.status_code == 302
    answered = as_("maria").post(
        f"/forms/{form_id}/students/{demo.students['sofia']}", {"answer": "granted"}
    )
    assert answered.status_code == 302
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action.in_(["consentform.enter", "consentform.answer"]),
                AuditEvent.target == f"consentform:{form_id}",
            )
        )
        assert {
            (r.action, r.actor_account_id, r.actor_role, r.on_behalf_of_guardian_id) for r in rows
        } == {
            ("consentform.enter", demo.accounts["brooks"], "principal", demo.guardians["james"]),
            # A guardian answering for themselves acts for no one else.
            ("consentform.answer", demo.accounts["maria"], "guardian", None),
        }


def test_a_paper_refusal_entered_by_staff_names_the_staff_member_and_the_guardian(
    app, demo, as_, make_form
):
    form_id = make_form(
        title="Flip video responses",
        kind=FormKind.TOOL_CONSENT,
        mode=FormMode.OPT_IN,
        tool_id=demo.tools["flip"],
    )
    amelia = demo.students["amelia"]  # in English 7, which uses Flip; Nora has no account
    entered = as_("reed").post(
        f"/consent-forms/{form_id}/students/{amelia}/entry",
        {"guardian": demo.guardians["nora"], "answer": "refused", "method": "paper"},
    )
    assert entered.status_code == 302
    with app.app_context():
        optout = db.session.scalar(
            select(OptOut).where(OptOut.student_id == amelia, OptOut.tool_id == demo.tools["flip"])
        )
        assert optout is not None
        (filed,) = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "optout.file", AuditEvent.target == f"optout:{optout.id}"
            )
        )
        assert (filed.actor_account_id, filed.actor_role) == (demo.accounts["reed"], "principal")
        assert filed.on_behalf_of_guardian_id == demo.guardians["nora"]
        assert optout.recorded_by_account_id == demo.accounts["reed"]
        assert optout.filed_by_guardian_id == demo.guardians["nora"]
        assert optout.channel == "paper"
        (event,) = db.session.scalars(
            select(Event).where(Event.optout_id == optout.id, Event.kind == "filed")
        )
        assert (event.actor_account_id, event.actor_name) == (
            demo.accounts["reed"],
            "Thomas Reed",
        )
        assert event.on_behalf_of_guardian_id == demo.guardians["nora"]
        assert event.on_behalf_of_name == "Nora Miller"
