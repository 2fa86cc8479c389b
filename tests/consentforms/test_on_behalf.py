"""Acting for someone is explicit: when staff enter a family's paper refusal of a tool's consent
form, the opt-out it opens names the staff member who typed it as the actor and the guardian
who asked, on the request, its timeline and the audit log."""

from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.consentforms.models import FormKind, FormMode
from consent.extensions import db
from consent.optouts.models import Event, OptOut


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
