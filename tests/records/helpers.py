"""Shared steps of the records tests: file and act through the real forms, read the outbox."""

from email import policy

from sqlalchemy import select

from consent.extensions import db
from consent.notifications.operations import deliver_due
from consent.records.models import RecordsRequest
from tests.support import PERSONAS

AMENDMENT = {
    "kind": "amend",
    "records_sought": "",
    "record_description": "Attendance record for 3 March",
    "what_is_wrong": "Ava was marked absent; she was on a school trip.",
    "should_say": "Present (school trip)",
}
INSPECTION = {
    "kind": "inspect",
    "records_sought": "Report cards for this year",
    "record_description": "",
    "what_is_wrong": "",
    "should_say": "",
}


def file_request(as_, demo, persona="james", student="ava", fields=AMENDMENT):
    """File through the form; returns the new request's id."""
    answer = as_(persona).post(f"/students/{demo.students[student]}/records-requests/new", fields)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(answer.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def step(client, records_request_id: int, action: str, fields: dict):
    """A staff or family step through its form page (CSRF token and version from the page)."""
    url = f"/records-requests/{records_request_id}/{action}"
    return client.post(url, fields)


def load(app, records_request_id: int) -> RecordsRequest:
    with app.app_context():
        found = db.session.scalar(
            select(RecordsRequest).where(RecordsRequest.id == records_request_id)
        )
        db.session.expunge_all()
        db.session.remove()
    return found


def deliver(app):
    with app.app_context():
        report = deliver_due()
    assert report.failed == 0
    return report


def mail_to(smtp, persona: str) -> list[tuple[str, str, str]]:
    """(subject, text, html) of every message the persona received, oldest first."""
    found = []
    for message in smtp.to(PERSONAS[persona]):
        raw = message["Subject"].replace("\r\n", "").replace("\n", "")
        subject = str(policy.default.header_factory("subject", raw))
        parts = {}
        for part in message.walk():
            if part.get_content_type() in ("text/plain", "text/html"):
                body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
                parts[part.get_content_type()] = body.replace("\r\n", "\n")
        found.append((subject, parts.get("text/plain", ""), parts.get("text/html", "")))
    return found
