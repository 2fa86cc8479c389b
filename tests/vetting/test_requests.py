"""Vetting requests: any staff member sends a tool, follows it, and the privacy office decides;
an approval puts the tool in the catalog and the requester is emailed either way."""

import html

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.catalog.models import LegalBasis, Tool, ToolRevision, VettingStatus
from consent.catalog.rules import WebAddressError, clean_web_address
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import deliver_due
from consent.vetting import operations as ops
from consent.vetting.models import RequestStatus, VettingRequest
from consent.vetting.operations import VettingError
from tests.vetting.committee import COMMITTEE, assign, record_review, reviewed
from tests.vetting.helpers import JOHNSON, count, request_form


def submit(as_, persona="johnson", **changes):
    return as_(persona).post("/vetting/new", request_form(**changes))


KAHOOT = VettingRequest.name == "Kahoot!"  # the demo district has requests of its own


def only_request(app) -> VettingRequest:
    with app.app_context():
        (request,) = db.session.scalars(select(VettingRequest).where(KAHOOT)).all()
        db.session.expunge(request)
        return request


# --- submitting -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["johnson", "brooks", "lee"])
def test_any_staff_member_sends_a_tool_and_follows_it(app, as_, persona):
    answer = submit(as_, persona)
    assert answer.status_code == 302
    request = only_request(app)
    assert (request.name, request.status) == ("Kahoot!", RequestStatus.SUBMITTED)
    assert request.website == "https://kahoot.com"
    page = as_(persona).get(answer.headers["Location"]).get_data(as_text=True)
    assert "Kahoot!" in page and "Waiting for review" in page
    assert "A nickname; no account." in page
    mine = as_(persona).get("/vetting").get_data(as_text=True)
    assert "Kahoot!" in mine and "Waiting for review" in mine


def test_an_address_without_https_is_completed():
    assert clean_web_address("www.seesaw.me") == "https://www.seesaw.me"
    assert clean_web_address(" http://example.org/path?q=1 ") == "http://example.org/path?q=1"


@pytest.mark.parametrize(
    "address",
    [
        "kahoot",
        "https://",
        "ftp://kahoot.com",
        "https://kahoot .com",
        "javascript:alert(1)",
        "https://kahoot.com:port",
        "https://-kahoot.com",
        "http://localhost",
    ],
)
def test_a_malformed_address_is_refused_with_a_message_and_nothing_saved(app, as_, address):
    answer = submit(as_, website=address)
    assert answer.status_code == 200
    assert "Enter a web address such as https://www.example.com." in answer.get_data(as_text=True)
    assert count(app, VettingRequest, KAHOOT) == 0
    with pytest.raises(WebAddressError):
        clean_web_address(address)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("name", "Give the tool's name."),
        ("website", "Give the tool's website address."),
        ("purpose", "Say what the tool is for."),
        ("grades", "Say which grades would use it."),
        ("student_use", "Say how students would use the tool."),
        ("student_data", "Say what students type, upload or record in it"),
    ],
)
def test_a_missing_answer_is_explained_and_nothing_saved(app, as_, field, message):
    answer = submit(as_, **{field: "   "})
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    assert "Please check your answers" in page and message in page
    assert count(app, VettingRequest, KAHOOT) == 0


def test_the_optional_answers_may_be_left_out(app, as_):
    assert submit(as_, vendor="", privacy_policy_url="").status_code == 302
    assert only_request(app).privacy_policy_url == ""


def test_a_tool_already_in_the_catalog_is_refused(app, as_):
    answer = submit(as_, name="seesaw")
    assert "Seesaw is already in the catalog." in answer.get_data(as_text=True)
    assert count(app, VettingRequest, KAHOOT) == 0


def test_a_tool_already_waiting_for_review_is_refused(app, as_):
    assert submit(as_, "johnson").status_code == 302
    answer = submit(as_, "patel", name="KAHOOT!")
    assert "has already been sent for vetting" in answer.get_data(as_text=True)
    assert count(app, VettingRequest, VettingRequest.name.in_(["Kahoot!", "KAHOOT!"])) == 1


def test_a_guardian_cannot_send_a_tool_even_by_calling_the_operation(ctx, demo):
    maria = db.session.get(Account, demo.accounts["maria"])
    with pytest.raises(VettingError):
        ops.submit_request(actor=maria, **request_form())


# --- deciding ---------------------------------------------------------------------------------


@pytest.fixture
def sent(app, as_, demo):
    """The id of Ms. Johnson's request for Kahoot!, reviewed by the demo's committee of two
    (the office decides after the reviews), with the messages so far already sent."""
    assert submit(as_).status_code == 302
    reviewed(app, demo, only_request(app).id)
    with app.app_context():
        db.session.execute(
            Notification.__table__.update().values(delivery_status=DeliveryStatus.SENT)
        )
        db.session.commit()
    return only_request(app).id


def decide(as_, request_id, **answers):
    return as_("lee").post(f"/vetting/{request_id}/decide", answers)


def text_of(email) -> str:
    """The plain-text part of a delivered email, decoded."""
    for part in email.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def emails_after_delivery(app, smtp):
    with app.app_context():
        report = deliver_due()
    assert report.failed == 0
    return smtp.to(JOHNSON)


def test_the_decision_page_shows_what_the_requester_entered(app, as_, sent):
    """The company and the privacy policy the requester gave are on the page the office
    decides on (issue 15)."""
    page = html.unescape(as_("lee").get(f"/vetting/{sent}/decide").get_data(as_text=True))
    assert "Kahoot! ASA" in page
    assert "https://trust.kahoot.com/privacy-policy/" in page


def test_the_review_queue_lists_waiting_requests_oldest_first(app, as_, sent):
    assert submit(as_, "patel", name="Blooket", website="blooket.com").status_code == 302
    page = as_("lee").get("/vetting/review").get_data(as_text=True)
    assert page.index("Kahoot!") < page.index("Blooket")
    assert "Emily Johnson" in page


def test_approving_puts_the_tool_in_the_catalog_and_emails_the_requester(app, as_, smtp, sent):
    answer = decide(as_, sent, decision="approved", legal_basis="school_official", note="")
    assert answer.status_code == 302
    with app.app_context():
        tool = db.session.scalar(select(Tool).where(Tool.name == "Kahoot!"))
        assert tool.vetting_status is VettingStatus.APPROVED
        assert tool.legal_basis is LegalBasis.SCHOOL_OFFICIAL
        assert (tool.website, tool.vendor, tool.grade_band) == (
            "https://kahoot.com",
            "Kahoot! ASA",
            "3-5",
        )
        assert tool.purpose == "Quick quizzes to review a lesson."
        tool_id = tool.id
    request = only_request(app)
    assert (request.status, request.tool_id) == (RequestStatus.APPROVED, tool_id)
    catalog = as_("johnson").get(f"/tools/{tool_id}").get_data(as_text=True)
    assert "Kahoot!" in catalog
    (email,) = emails_after_delivery(app, smtp)
    assert email["Subject"] == "Kahoot! was approved"
    assert f"http://consent.test/vetting/{sent}" in text_of(email)
    followed = as_("johnson").get(f"/vetting/{sent}").get_data(as_text=True)
    assert "Approved" in followed and f"/tools/{tool_id}" in followed


def test_an_approval_is_the_first_change_in_the_tools_history(app, as_, demo, sent):
    """The catalog entry an approval makes has a history like one added by hand: who added it,
    from which request, and every field it started with."""
    answer = decide(as_, sent, decision="approved", legal_basis="school_official", note="")
    assert answer.status_code == 302
    with app.app_context():
        tool_id = db.session.scalar(select(Tool.id).where(Tool.name == "Kahoot!"))
        (revision,) = db.session.scalars(
            select(ToolRevision).where(ToolRevision.tool_id == tool_id)
        ).all()
        assert (revision.number, revision.actor_account_id) == (1, demo.accounts["lee"])
        assert revision.vetting_request_id == sent
        changes = {c.field: (c.before, c.after) for c in revision.changes}
        assert changes["name"] == (None, "Kahoot!")
        assert changes["vetting_status"] == (None, "approved")
        assert changes["legal_basis"] == (None, "school_official")
        assert changes["website"] == (None, "https://kahoot.com")
    created = AuditEvent.action == "tool.create", AuditEvent.target == f"tool:{tool_id}"
    assert count(app, AuditEvent, *created) == 1
    history = as_("lee").get(f"/tools/{tool_id}/history").get_data(as_text=True)
    assert "No changes saved yet" not in history
    link = f'<a href="/vetting/{sent}">vetting request {sent}</a>'
    assert f"Added to the catalog by Karen Lee from {link}" in history
    assert "Quick quizzes to review a lesson." in history


def test_approval_with_conditions_carries_the_conditions_to_the_requester(app, as_, smtp, sent):
    conditions = "Students use nicknames only, never their full names."
    answer = decide(
        as_,
        sent,
        decision="approved_with_conditions",
        legal_basis="coppa_school_consent",
        note=conditions,
    )
    assert answer.status_code == 302
    with app.app_context():
        tool = db.session.scalar(select(Tool).where(Tool.name == "Kahoot!"))
        assert tool.vetting_status is VettingStatus.APPROVED_WITH_CONDITIONS
    (email,) = emails_after_delivery(app, smtp)
    assert email["Subject"] == "Kahoot! was approved with conditions"
    assert conditions in text_of(email)
    assert conditions in as_("johnson").get(f"/vetting/{sent}").get_data(as_text=True)


def test_not_approving_adds_nothing_to_the_catalog_and_says_why(app, as_, smtp, sent):
    answer = decide(as_, sent, decision="not_approved", note="It shows ads to children.")
    assert answer.status_code == 302
    assert count(app, Tool, Tool.name == "Kahoot!") == 0
    assert only_request(app).status is RequestStatus.NOT_APPROVED
    (email,) = emails_after_delivery(app, smtp)
    assert email["Subject"] == "Kahoot! was not approved"
    assert "It shows ads to children." in text_of(email)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"decision": "approved", "legal_basis": ""}, "Choose the legal basis"),
        (
            {"decision": "not_approved", "note": ""},
            "Tell the requester why the tool is not approved.",
        ),
        (
            {"decision": "approved_with_conditions", "legal_basis": "school_official", "note": ""},
            "Write the conditions for the requester.",
        ),
        ({}, "Choose a decision."),
    ],
)
def test_an_incomplete_decision_is_explained_and_nothing_changes(app, as_, sent, answers, message):
    answer = decide(as_, sent, **answers)
    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    assert only_request(app).status is RequestStatus.IN_REVIEW
    assert count(app, Tool, Tool.name == "Kahoot!") == 0
    assert count(app, Notification, Notification.link == f"/vetting/{sent}") == 0


def test_deciding_twice_is_refused_clearly(app, as_, sent):
    assert decide(as_, sent, decision="not_approved", note="No.").status_code == 302
    lee = as_("lee")
    again = lee.post(
        f"/vetting/{sent}/decide",
        {"decision": "approved", "legal_basis": "school_official"},
        token_from=f"/vetting/{sent}",
        follow_redirects=True,
    )
    assert "This request has already been decided." in again.get_data(as_text=True)
    assert only_request(app).status is RequestStatus.NOT_APPROVED
    assert count(app, Tool, Tool.name == "Kahoot!") == 0
    assert count(app, Notification, Notification.link == f"/vetting/{sent}") == 1


def sent_by_operation(demo) -> VettingRequest:
    """Ms. Johnson's request, reviewed by the committee."""
    johnson = db.session.get(Account, demo.accounts["johnson"])
    request = ops.submit_request(actor=johnson, **request_form())
    assign(demo, request.id)
    for persona in COMMITTEE:
        record_review(demo, request.id, persona)
    db.session.commit()
    return request


def test_the_operation_refuses_a_second_decision_and_non_officers(ctx, demo):
    request = sent_by_operation(demo)
    lee = db.session.get(Account, demo.accounts["lee"])
    brooks = db.session.get(Account, demo.accounts["brooks"])
    with pytest.raises(VettingError):
        ops.decide(actor=brooks, request=request, decision=RequestStatus.NOT_APPROVED, note="x")
    ops.decide(actor=lee, request=request, decision=RequestStatus.NOT_APPROVED, note="No.")
    db.session.commit()
    with pytest.raises(VettingError, match="already been decided"):
        ops.decide(
            actor=lee,
            request=request,
            decision=RequestStatus.APPROVED,
            legal_basis=LegalBasis.SCHOOL_OFFICIAL,
        )


def test_approving_a_name_the_catalog_took_meanwhile_is_refused(ctx, demo):
    request = sent_by_operation(demo)
    db.session.get(Tool, demo.tools["flip"]).name = "Kahoot!"
    db.session.commit()
    lee = db.session.get(Account, demo.accounts["lee"])
    with pytest.raises(VettingError, match="already in the catalog"):
        ops.decide(
            actor=lee,
            request=request,
            decision=RequestStatus.APPROVED,
            legal_basis=LegalBasis.SCHOOL_OFFICIAL,
        )
