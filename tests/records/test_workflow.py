"""A records request through every step, through the real forms: each step writes its event,
its audit row and its notifications, and the emails reach a real SMTP server."""

import html
from datetime import timedelta

from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.records.models import DisagreementStatement, RecordsRequestEvent, RecordsStatus
from tests.records.helpers import (
    AMENDMENT,
    INSPECTION,
    deliver,
    file_request,
    load,
    mail_to,
    step,
)


def timeline(app, records_request_id):
    with app.app_context():
        kinds = db.session.scalars(
            select(RecordsRequestEvent.kind)
            .where(RecordsRequestEvent.records_request_id == records_request_id)
            .order_by(RecordsRequestEvent.id)
        ).all()
        db.session.remove()
    return kinds


def audit_actions(app, records_request_id):
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(
                AuditEvent.target == f"records_request:{records_request_id}",
                AuditEvent.action.not_like("%.view"),
            )
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return actions


def test_amendment_refused_then_hearing_then_statement(app, as_, demo, smtp, no_backlog):
    rr_id = file_request(as_, demo)
    deliver(app)
    (receipt,) = mail_to(smtp, "james")
    assert "We received your records request for Ava" in receipt[0]
    assert "Attendance record for 3 March" in receipt[1]
    due = load(app, rr_id).due_on
    assert due is not None and due <= clock.today() + timedelta(days=45)
    # The privacy office and Ava's principal are told; Riverside's principal is not.
    office_news = [m[0] for m in mail_to(smtp, "lee")]
    assert office_news == ["New records request at Oakwood Elementary School"]
    assert len(mail_to(smtp, "brooks")) == 1 and mail_to(smtp, "reed") == []

    lee = as_("lee")
    refused = step(
        lee,
        rr_id,
        "decision",
        {"decision": "refuse", "reason": "The trip list shows Ava stayed at school."},
    )
    assert refused.status_code == 302
    deliver(app)
    subject, text, _html = mail_to(smtp, "james")[-1]
    assert "was refused" in subject
    assert "The trip list shows Ava stayed at school." in text
    assert "right to a hearing" in text

    james = as_("james")
    page = james.get(f"/records-requests/{rr_id}").get_data(as_text=True)
    assert "Your right to a hearing" in page and "Ask for a hearing" in page
    assert step(james, rr_id, "hearing-request", {}).status_code == 302
    assert load(app, rr_id).status is RecordsStatus.HEARING_REQUESTED
    deliver(app)
    assert "asked for a hearing" in mail_to(smtp, "lee")[-1][0]

    today = clock.today()
    set_hearing = step(
        lee, rr_id, "hearing", {"hearing_on": today.isoformat(), "officer": "Dana Whitfield"}
    )
    assert set_hearing.status_code == 302
    deliver(app)
    assert "Dana Whitfield" in mail_to(smtp, "james")[-1][1]

    kept = step(
        lee,
        rr_id,
        "hearing-outcome",
        {"outcome": "keep", "note": "The register is signed by two staff."},
    )
    assert kept.status_code == 302
    rr = load(app, rr_id)
    assert rr.status is RecordsStatus.REFUSAL_UPHELD and rr.due_on is None
    deliver(app)
    subject, text, _ = mail_to(smtp, "james")[-1]
    assert "kept Ava's record as it is" in subject and "write a statement" in text

    statement = "Ava was on the museum trip; the bus list proves it."
    assert step(james, rr_id, "statement", {"text": statement}).status_code == 302
    deliver(app)
    assert "statement of disagreement" in mail_to(smtp, "brooks")[-1][1]

    # Kept with the record, and shown wherever the record is shown or disclosed.
    detail = james.get(f"/records-requests/{rr_id}").get_data(as_text=True)
    assert html.escape(statement) in detail
    disclosing = lee.get(f"/students/{demo.students['ava']}/disclosures/new").get_data(as_text=True)
    assert html.escape(statement) in disclosing and "must go with these records" in disclosing
    for persona in ("johnson", "brooks"):  # the child's page, for her teacher and principal
        shown = as_(persona).get(f"/students/{demo.students['ava']}").get_data(as_text=True)
        assert html.escape(statement) in shown, persona

    assert timeline(app, rr_id) == [
        "filed",
        "refused",
        "hearing_requested",
        "hearing_scheduled",
        "refusal_upheld",
        "statement_added",
    ]
    assert audit_actions(app, rr_id) == [
        "records_request.file",
        "records_request.refuse",
        "records_request.request_hearing",
        "records_request.schedule_hearing",
        "records_request.decide_hearing",
        "records_request.add_statement",
    ]


def test_inspection_made_available_closes_it(app, as_, demo, smtp, no_backlog):
    rr_id = file_request(as_, demo, "maria", "mateo", INSPECTION)
    reed = as_("reed")  # Mateo's principal may answer too
    answer = step(
        reed, rr_id, "made-available", {"how": "copies", "available_on": clock.today().isoformat()}
    )
    assert answer.status_code == 302
    rr = load(app, rr_id)
    assert rr.status is RecordsStatus.MADE_AVAILABLE and rr.available_how.value == "copies"
    assert rr.due_on is None and rr.ended_at is not None
    deliver(app)
    assert any("records are available" in m[0] for m in mail_to(smtp, "maria"))
    assert timeline(app, rr_id) == ["filed", "made_available"]


def test_granted_amendment_says_what_changed(app, as_, demo, smtp, no_backlog):
    rr_id = file_request(as_, demo)
    granted = step(
        as_("brooks"),
        rr_id,
        "decision",
        {"decision": "grant", "change_made": "Marked present on 3 March."},
    )
    assert granted.status_code == 302
    assert load(app, rr_id).status is RecordsStatus.AMENDED
    deliver(app)
    assert "Marked present on 3 March." in mail_to(smtp, "james")[-1][1]


def test_a_step_out_of_order_is_refused_with_a_message_and_changes_nothing(app, as_, demo):
    rr_id = file_request(as_, demo)
    james, lee = as_("james"), as_("lee")
    # No statement before a hearing kept the record; no hearing before a refusal.
    page = step(james, rr_id, "statement", {"text": "I disagree."})
    assert page.status_code == 200
    assert "only after a hearing kept the record unchanged" in page.get_data(as_text=True)
    page = step(lee, rr_id, "hearing", {"hearing_on": clock.today().isoformat(), "officer": "X"})
    assert "only after the family asked for one" in page.get_data(as_text=True)
    page = step(
        lee, rr_id, "made-available", {"how": "portal", "available_on": clock.today().isoformat()}
    )
    assert "Only a request to see records" in page.get_data(as_text=True)
    assert timeline(app, rr_id) == ["filed"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(DisagreementStatement.id).where(
                    DisagreementStatement.records_request_id == rr_id
                )
            )
            is None
        )
        db.session.remove()
    assert load(app, rr_id).status is RecordsStatus.SUBMITTED


def events_now() -> int:
    return db.session.scalar(select(func.count()).select_from(RecordsRequestEvent))


def test_bad_input_gets_a_clear_message_and_files_nothing(app, as_, demo):
    with app.app_context():
        before = events_now()
        db.session.remove()
    james = as_("james")
    url = f"/students/{demo.students['ava']}/records-requests/new"
    page = james.post(url, {**AMENDMENT, "what_is_wrong": "  "})
    assert page.status_code == 200
    assert "Say what is wrong in the record." in page.get_data(as_text=True)
    page = james.post(url, {**INSPECTION, "records_sought": ""})
    assert "Say which records you want to see." in page.get_data(as_text=True)
    page = james.post(url, {**INSPECTION, "kind": "delete-everything"})
    assert page.status_code == 200
    with app.app_context():
        assert events_now() == before
        db.session.remove()


def test_hearing_outcome_waits_for_the_hearing_day(app, as_, demo):
    rr_id = file_request(as_, demo)
    lee = as_("lee")
    step(lee, rr_id, "decision", {"decision": "refuse", "reason": "Correct as it is."})
    step(as_("james"), rr_id, "hearing-request", {})
    tomorrow = clock.today() + timedelta(days=1)
    step(lee, rr_id, "hearing", {"hearing_on": tomorrow.isoformat(), "officer": "Dana Whitfield"})
    page = step(lee, rr_id, "hearing-outcome", {"outcome": "amend", "note": "Changed."})
    assert "once the hearing has been held" in page.get_data(as_text=True)
    assert load(app, rr_id).status is RecordsStatus.HEARING_REQUESTED
    late = step(
        lee,
        rr_id,
        "hearing",
        {"hearing_on": (clock.today() + timedelta(days=90)).isoformat(), "officer": "Dana"},
    )
    assert "The hearing must be held by" in late.get_data(as_text=True)


def test_a_relative_without_rights_cannot_file(app, as_, demo):
    grace = as_("grace")
    answer = grace.get(f"/students/{demo.students['ava']}/records-requests/new")
    assert answer.status_code == 404
