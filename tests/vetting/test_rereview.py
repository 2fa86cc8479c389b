"""Re-review: approved tools due within the notice period are listed for the office; on its date
a tool returns to the committee (a re-review request) without its uses changing; a change that
families were told about opens one too; the policy watch, against a real local HTTP server,
records a policy's fingerprint first and opens a re-review when the text changes. Each job is
idempotent."""

import html
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select, update

from consent.catalog.models import (
    AgreementStatus,
    LegalBasis,
    Tool,
    ToolChangeNotice,
    ToolUse,
    VettingStatus,
)
from consent.catalog.operations import data_of, update_tool
from consent.core import clock
from consent.extensions import db
from consent.vetting.models import RequestKind, RequestStatus, RereviewReason, VettingRequest
from tests.vetting.committee import reviewed


@pytest.fixture
def today(app):
    with app.app_context():
        return clock.today()


def schedule(app, demo, today, **days_from_today):
    """Every demo tool's next review far off, except those named (tool key -> days from today)."""
    with app.app_context():
        db.session.execute(update(Tool).values(next_review_on=today + timedelta(days=300)))
        for key, days in days_from_today.items():
            db.session.get(Tool, demo.tools[key]).next_review_on = today + timedelta(days=days)
        db.session.commit()


def rereviews(app, tool_id=None) -> list[VettingRequest]:
    with app.app_context():
        query = select(VettingRequest).where(VettingRequest.kind == RequestKind.RE_REVIEW)
        if tool_id is not None:
            query = query.where(VettingRequest.tool_id == tool_id)
        rows = list(db.session.scalars(query.order_by(VettingRequest.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def run_cli(app, *args):
    result = app.test_cli_runner().invoke(args=["vetting", *args])
    assert result.exit_code == 0, result.output
    return result.output


def text(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def test_the_office_lists_tools_due_within_the_notice_period(app, as_, demo, today):
    schedule(app, demo, today, zoom=10, khan=45)
    page = text(as_("lee").get("/vetting/rereviews"))
    assert "Zoom" in page and "Khan Academy" not in page
    assert "Opens on its date" in page
    for persona in ("johnson", "brooks", "maria"):
        assert as_(persona).get("/vetting/rereviews").status_code in (403, 404), persona


def test_on_its_date_a_tool_returns_to_the_committee_without_stopping_its_use(
    app, as_, demo, today
):
    schedule(app, demo, today, zoom=0)
    with app.app_context():
        uses_before = db.session.scalar(
            select(func.count(ToolUse.id)).where(ToolUse.tool_id == demo.tools["zoom"])
        )
    assert "due 1, changed 0" in run_cli(app, "rereview")
    (opened,) = rereviews(app)
    assert (opened.tool_id, opened.status) == (demo.tools["zoom"], RequestStatus.SUBMITTED)
    assert opened.rereview_reason is RereviewReason.DUE and opened.requested_by_account_id is None
    with app.app_context():
        zoom = db.session.get(Tool, demo.tools["zoom"])
        assert zoom.vetting_status is VettingStatus.APPROVED
        uses_after = db.session.scalar(
            select(func.count(ToolUse.id)).where(ToolUse.tool_id == zoom.id)
        )
        assert uses_after == uses_before
    # Idempotent: the next run (or the same day's second) opens nothing more.
    assert "due 0, changed 0" in run_cli(app, "rereview")
    assert len(rereviews(app)) == 1
    # The office sees it in the queue and on the list, and decides it like any request.
    assert "Zoom" in text(as_("lee").get("/vetting/review"))
    page = text(as_("lee").get(f"/vetting/{opened.id}"))
    assert "The re-review schedule" in page
    assert "Its review date came." in page and "Zoom stays in use meanwhile." in page
    assert "Waiting for the committee" in text(as_("lee").get("/vetting/rereviews"))


def test_an_approved_rereview_moves_the_date_a_year_on(app, as_, demo, today):
    schedule(app, demo, today, zoom=0)
    run_cli(app, "rereview")
    (opened,) = rereviews(app)
    reviewed(app, demo, opened.id)
    answer = as_("lee").post(
        f"/vetting/{opened.id}/decide", {"decision": "approved", "legal_basis": "school_official"}
    )
    assert answer.status_code == 302
    with app.app_context():
        zoom = db.session.get(Tool, demo.tools["zoom"])
        assert zoom.next_review_on == today + timedelta(days=365)
        assert zoom.vetting_status is VettingStatus.APPROVED
    assert "due 0, changed 0" in run_cli(app, "rereview")


def test_a_declined_rereview_takes_the_tool_off_and_tells_families(app, as_, demo, today):
    schedule(app, demo, today, zoom=0)
    run_cli(app, "rereview")
    (opened,) = rereviews(app)
    reviewed(app, demo, opened.id)
    answer = as_("lee").post(
        f"/vetting/{opened.id}/decide",
        {"decision": "not_approved", "note": "It now records every lesson."},
    )
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.get(Tool, demo.tools["zoom"]).vetting_status is VettingStatus.NOT_APPROVED
        notice = db.session.scalar(
            select(ToolChangeNotice).where(ToolChangeNotice.tool_id == demo.tools["zoom"])
        )
        assert notice.no_longer_approved and notice.guardians_notified > 0


def add_category(app, demo, key, category="Student Work"):
    """The office's edit: the tool now collects one more kind of data (families are told)."""
    with app.app_context():
        tool = db.session.get(Tool, demo.tools[key])
        data = data_of(tool)
        data.categories[category] = "Work students hand in"
        result = update_tool(actor=None, tool=tool, data=data, today=clock.today())
        assert result.notice is not None
        db.session.commit()


def test_a_change_families_were_told_about_opens_a_rereview_once(app, demo, today):
    schedule(app, demo, today)
    add_category(app, demo, "khan")
    assert "due 0, changed 1" in run_cli(app, "rereview")
    (opened,) = rereviews(app)
    assert (opened.tool_id, opened.rereview_reason) == (demo.tools["khan"], RereviewReason.CHANGE)
    assert "due 0, changed 0" in run_cli(app, "rereview")


def test_a_change_made_by_the_committees_decision_opens_nothing_more(app, as_, demo, today):
    """Approving a re-review with a new legal basis tells families; that notice is the
    committee's own work, not a reason to review again."""
    schedule(app, demo, today, khan=0)
    run_cli(app, "rereview")
    (opened,) = rereviews(app)
    with app.app_context():
        before = db.session.get(Tool, demo.tools["khan"]).legal_basis
    basis = next(b for b in LegalBasis if b is not before and b is not LegalBasis.PARENT_CONSENT)
    reviewed(app, demo, opened.id)
    answer = as_("lee").post(
        f"/vetting/{opened.id}/decide", {"decision": "approved", "legal_basis": basis.value}
    )
    assert answer.status_code == 302
    with app.app_context():
        notice = db.session.scalar(
            select(ToolChangeNotice).where(ToolChangeNotice.tool_id == demo.tools["khan"])
        )
        assert notice is not None and notice.legal_basis_after is basis
    assert "due 0, changed 0" in run_cli(app, "rereview")


def test_a_lapsed_agreement_opens_a_rereview(app, demo, today):
    schedule(app, demo, today)
    with app.app_context():
        tool = db.session.scalar(
            select(Tool).where(
                Tool.agreement_status == AgreementStatus.SIGNED,
                Tool.vetting_status == VettingStatus.APPROVED,
            )
        )
        tool_id = tool.id
        tool.agreement_expires_on = today - timedelta(days=1)
        db.session.commit()
    app.test_cli_runner().invoke(args=["catalog", "check-agreements"])
    assert "changed 1" in run_cli(app, "rereview")
    (opened,) = rereviews(app, tool_id)
    assert opened.rereview_reason is RereviewReason.CHANGE


# --- the policy watch ------------------------------------------------------------------------


class Policies:
    """A real HTTP server on loopback serving one privacy policy whose text the test changes."""

    def __init__(self):
        self.text = "<html><body><h1>Privacy</h1><p>We collect a nickname.</p></body></html>"
        policies = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's hook name
                if self.path == "/loop":  # a page that sends the reader round in circles
                    self.send_response(302)
                    self.send_header("Location", "/loop")
                    self.end_headers()
                    return
                if self.path == "/huge":  # a page far larger than any privacy policy
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.end_headers()
                    chunk = b"<p>" + b"x" * 65_536 + b"</p>"
                    try:
                        for _ in range(200):  # 13 MB unless the reader stops first
                            self.wfile.write(chunk)
                    except (BrokenPipeError, ConnectionResetError):
                        pass
                    return
                if self.path != "/privacy":
                    self.send_error(404)
                    return
                body = policies.text.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def policies():
    server = Policies()
    yield server
    server.stop()


def watch_only(app, demo, urls: dict[str, str]) -> None:
    """Only the named tools have a policy address (the others would reach the internet)."""
    with app.app_context():
        db.session.execute(update(Tool).values(privacy_policy_url=""))
        for key, url in urls.items():
            db.session.get(Tool, demo.tools[key]).privacy_policy_url = url
        db.session.commit()


def test_the_policy_watch_is_off_by_default(app, demo, policies):
    watch_only(app, demo, {"zoom": f"{policies.url}/privacy"})
    assert app.config["POLICY_WATCH"] is False
    assert "policy watch is off" in run_cli(app, "policy-watch")
    with app.app_context():
        assert db.session.get(Tool, demo.tools["zoom"]).policy_fingerprint is None


def test_a_changed_policy_opens_a_rereview(app, demo, today, policies):
    schedule(app, demo, today)
    watch_only(app, demo, {"zoom": f"{policies.url}/privacy", "khan": f"{policies.url}/missing"})
    app.config["POLICY_WATCH"] = True
    # The first fetch only records the fingerprint; the missing page is tried again next time.
    out = run_cli(app, "policy-watch")
    assert "checked 1, first seen 1, unreadable 1, re-reviews opened 0" in out
    with app.app_context():
        first = db.session.get(Tool, demo.tools["zoom"]).policy_fingerprint
    assert first is not None and len(first) == 64
    # Only the layout changes: the same words, so the same policy.
    policies.text = (
        "<html><body>\n<h1>Privacy</h1>\n\n<p>We   collect a nickname.</p></body></html>"
    )
    assert "re-reviews opened 0" in run_cli(app, "policy-watch")
    assert rereviews(app) == []
    # The words change: back to the committee, once.
    policies.text = "<html><body><h1>Privacy</h1><p>We collect a nickname and your voice.</p>"
    assert "re-reviews opened 1" in run_cli(app, "policy-watch")
    (opened,) = rereviews(app)
    assert (opened.tool_id, opened.rereview_reason) == (demo.tools["zoom"], RereviewReason.POLICY)
    with app.app_context():
        assert db.session.get(Tool, demo.tools["zoom"]).policy_fingerprint != first
    assert "re-reviews opened 0" in run_cli(app, "policy-watch")


def test_a_huge_page_or_a_redirect_loop_is_unreadable_and_ends(app, demo, today, policies):
    """The watch reads at most POLICY_WATCH_MAX_BYTES of a page and follows a few redirects:
    a page of 13 MB or one that redirects for ever counts as unreadable, records nothing, and
    the job goes on."""
    schedule(app, demo, today)
    watch_only(app, demo, {"zoom": f"{policies.url}/huge", "khan": f"{policies.url}/loop"})
    app.config["POLICY_WATCH"] = True
    out = run_cli(app, "policy-watch")
    assert "checked 0, first seen 0, unreadable 2, re-reviews opened 0" in out
    with app.app_context():
        assert db.session.get(Tool, demo.tools["zoom"]).policy_fingerprint is None
        assert db.session.get(Tool, demo.tools["khan"]).policy_fingerprint is None


def test_the_demo_has_a_tool_due_for_review_within_the_month(app, as_):
    """Khan Academy's date is three weeks away: listed, but not yet back with the committee."""
    page = text(as_("lee").get("/vetting/rereviews"))
    assert "Khan Academy" in page and "Opens on its date" in page
    assert "Zoom" not in page
    assert "due 0, changed 0" in run_cli(app, "rereview")
    assert rereviews(app) == []
