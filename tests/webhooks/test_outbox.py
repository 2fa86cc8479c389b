"""Every change a district system may subscribe to queues one delivery per subscribed, active
endpoint in the transaction of the change: a change rolled back leaves none; the body names ids
and states, never a person's name or a reason typed by someone."""

import json

from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.consentforms import operations as forms
from consent.consentforms.models import Answer, ConsentForm, FormKind
from consent.core import clock
from consent.extensions import db
from consent.optouts import operations as optouts
from consent.optouts.models import OptOut
from consent.records.models import RestrictionScope
from consent.records.operations import restrict_link
from consent.rights.operations import mark_tax_dependent
from consent.roster.models import GuardianLink, Student
from consent.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from consent.webhooks.operations import deactivate_endpoint
from tests.rollover.helpers import confirm
from tests.webhooks.conftest import deliveries, office


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookDelivery))


def _bodies(app) -> list[dict]:
    return [json.loads(d.body) for d in deliveries(app)]


def test_a_confirmed_request_queues_one_delivery_per_subscribed_endpoint(app, demo, endpoint):
    everything = endpoint()
    answers_only = endpoint(events=[WebhookEvent.CONSENT_ANSWER_CHANGED], name="Forms system")
    oakwood = endpoint(school_id=demo.schools["oakwood"], name="Oakwood's system")
    riverside = endpoint(school_id=demo.schools["riverside"], name="Riverside's system")
    with app.app_context():
        confirm(demo, "planned", "brooks")  # Ava, at Oakwood: Seesaw photos
        db.session.commit()
    rows = deliveries(app)
    assert sorted(r.endpoint_id for r in rows) == sorted([everything, oakwood])
    assert answers_only not in {r.endpoint_id for r in rows} and riverside not in {
        r.endpoint_id for r in rows
    }
    assert {r.status for r in rows} == {DeliveryStatus.PENDING}
    assert len({r.uuid for r in rows}) == 2, "each endpoint's delivery has its own Webhook-Id"
    assert len({r.event_id for r in rows}) == 1, "one change, one event id"
    body = json.loads(rows[0].body)
    assert body["type"] == "optout.confirmed" and body["id"] == rows[0].event_id
    with app.app_context():
        optout = db.session.get(OptOut, demo.optouts["planned"])
        assert body["data"] == {
            "optout_id": optout.id,
            "student_sourced_id": "student-ava",
            "tool_id": demo.tools["seesaw"],
            "feature": optout.feature or None,
            "status": "confirmed",
            "previous_status": "planned",
            "at": body["data"]["at"],
        }
    assert "Ava" not in rows[0].body and "Chen" not in rows[0].body


def test_a_change_rolled_back_leaves_no_delivery(app, demo, endpoint):
    endpoint()
    with app.app_context():
        confirm(demo, "planned", "brooks")
        assert _count() == 1  # queued in the transaction...
        db.session.rollback()  # ...which then fails
        assert _count() == 0
        assert db.session.get(OptOut, demo.optouts["planned"]).status.value == "planned"


def test_a_deactivated_endpoint_gets_nothing_more_and_its_waiting_deliveries_end(
    app, demo, endpoint
):
    endpoint_id = endpoint()
    with app.app_context():
        confirm(demo, "planned", "brooks")
        db.session.commit()
        from consent.webhooks.models import WebhookEndpoint

        dropped = deactivate_endpoint(
            actor=office(demo), endpoint=db.session.get(WebhookEndpoint, endpoint_id)
        )
        db.session.commit()
        assert dropped == 1
        confirm(demo, "submitted", "reed")
        db.session.commit()
    assert [d.status for d in deliveries(app)] == [DeliveryStatus.FAILED]


def test_closing_and_year_end_queue_a_closed_event(app, demo, endpoint):
    endpoint(events=[WebhookEvent.OPTOUT_CLOSED])
    with app.app_context():
        optout = db.session.get(OptOut, demo.optouts["submitted"])
        reed = db.session.get(Account, demo.accounts["reed"])
        optouts.close(actor=reed, optout=optout, reason="Mateo's class stopped using Zoom.")
        db.session.commit()
    [body] = _bodies(app)
    assert body["type"] == "optout.closed"
    assert body["data"]["status"] == "closed" and body["data"]["ended_by"] == "closed"
    assert "Zoom" not in json.dumps(body), "the reason typed by the principal stays home"


def test_a_consent_answer_queues_its_event(app, demo, endpoint):
    endpoint(events=[WebhookEvent.CONSENT_ANSWER_CHANGED])
    with app.app_context():
        form = db.session.scalar(
            select(ConsentForm).where(ConsentForm.kind == FormKind.MEDIA_RELEASE)
        )
        forms.answer_form(
            actor=db.session.get(Account, demo.accounts["maria"]),
            form=form,
            student=db.session.get(Student, demo.students["mateo"]),
            answer=Answer.GRANTED,
        )
        db.session.commit()
        form_id = form.id
    [body] = _bodies(app)
    assert body["type"] == "consent_answer.changed"
    data = body["data"]
    assert data["form_id"] == form_id and data["student_sourced_id"] == "student-mateo"
    assert data["answer_given"] == "granted" and data["method"] == "web"
    assert data["answer_in_force"] in ("granted", "refused")


def test_rights_changes_queue_their_event(app, demo, endpoint):
    endpoint(events=[WebhookEvent.RIGHTS_CHANGED])
    with app.app_context():
        lee = office(demo)
        mark_tax_dependent(
            actor=lee, student=db.session.get(Student, demo.students["mateo"]), dependent=True
        )
        link = db.session.scalar(
            select(GuardianLink).where(
                GuardianLink.student_id == demo.students["mateo"],
                GuardianLink.guardian_id == demo.guardians["luis"],
            )
        )
        restrict_link(
            actor=lee,
            link=link,
            reference="Case 2026-17",
            ordered_on=clock.today(),
            removes=RestrictionScope.DECISIONS,
        )
        db.session.commit()
    changes = [(b["type"], b["data"]["change"]) for b in _bodies(app)]
    assert changes == [
        ("rights.changed", "tax_dependent"),
        ("rights.changed", "link_restricted"),
    ]
    restricted = _bodies(app)[1]["data"]
    assert restricted["guardian_sourced_id"] == "guardian-luis"
    assert restricted["removes"] == "decisions"
    assert "Case 2026-17" not in json.dumps(restricted)


def test_without_endpoints_a_change_queues_nothing(app, demo):
    with app.app_context():
        confirm(demo, "planned", "brooks")
        db.session.commit()
        assert _count() == 0
