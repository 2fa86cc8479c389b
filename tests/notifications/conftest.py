"""Fixtures for the notification tests: real delivery to the loopback SMTP server, an outbox
without the demo's backlog, filing through the web form, and reading what arrived."""

import re
from dataclasses import dataclass
from email import policy
from email.message import Message

import pytest
from sqlalchemy import select

from consent.catalog.models import Tool
from consent.extensions import db
from consent.optouts.models import Task


@pytest.fixture
def file_via_web(app, demo, as_):
    """file_via_web(reason=...) → the id of the opt-out maria files for Sofia about Seesaw
    photos, through the form, the review page and the send button, the way her browser would."""

    def file(persona="maria", student="sofia", tool="seesaw", feature="photos", reason=""):
        with app.app_context():
            accommodation = db.session.get(Tool, demo.tools[tool]).optout_options[0].label
        guardian = as_(persona)
        url = f"/students/{demo.students[student]}/optouts/new?tool={demo.tools[tool]}"
        fields = {"feature": feature, "accommodation": accommodation, "reason": reason}
        review = guardian.post(url, {**fields, "review": "Review my request"})
        assert review.status_code == 200
        assert "Check your request" in review.get_data(as_text=True)
        sent = guardian.post(url, {**fields, "send": "Send request"})
        assert sent.status_code == 302, sent.get_data(as_text=True)
        match = re.fullmatch(r"/requests/(\d+)/receipt", sent.headers["Location"])
        assert match, sent.headers["Location"]
        return int(match.group(1))

    return file


@pytest.fixture
def task_ids(app, demo):
    """task_ids(optout_id) → {"johnson": task id, ...} for the teachers it was routed to."""

    def tasks(optout_id: int) -> dict[str, int]:
        by_staff = {staff_id: key for key, staff_id in demo.staff.items()}
        with app.app_context():
            rows = db.session.execute(
                select(Task.teacher_id, Task.id).where(Task.optout_id == optout_id)
            )
            return {by_staff[teacher_id]: task_id for teacher_id, task_id in rows}

    return tasks


# --- what arrived at the SMTP server --------------------------------------------------------


@dataclass
class Email:
    to: str
    subject: str
    text: str
    html: str
    message: Message


def _subject(message: Message) -> str:
    """The Subject as a mail client shows it: unfolded (RFC 5322), then the encoded words
    decoded (RFC 2047), keeping the space between an encoded word and plain text, which the
    legacy email.header.decode_header drops."""
    raw = message["Subject"].replace("\r\n", "").replace("\n", "")
    return str(policy.default.header_factory("subject", raw))


def _decoded(part: Message) -> str:
    text = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return text.replace("\r\n", "\n")  # lines travel as CRLF; read them as a client does


def parse(message: Message) -> Email:
    """One received message, checked to carry exactly one text/plain and one text/html
    alternative of the same content (Flask-Mail wraps the multipart/alternative in a
    multipart/mixed, which mail clients show the same way)."""
    alternatives = [p for p in message.walk() if p.get_content_type() == "multipart/alternative"]
    assert len(alternatives) == 1, message.get_content_type()
    alternative = alternatives[0]
    if message is not alternative:
        assert message.get_content_type() == "multipart/mixed"
        assert message.get_payload() == [alternative], "nothing but the alternatives"
    kinds = [p.get_content_type() for p in alternative.get_payload()]
    assert kinds == ["text/plain", "text/html"]
    text, html = alternative.get_payload()
    return Email(
        to=message["To"],
        subject=_subject(message),
        text=_decoded(text),
        html=_decoded(html),
        message=message,
    )


class Mailbox:
    """Reads the loopback SMTP server: every message, or those since the last look."""

    def __init__(self, smtp):
        self.smtp = smtp
        self.seen = 0

    def all(self) -> list[Email]:
        return [parse(m) for m in self.smtp.messages]

    def new(self) -> list[Email]:
        messages = self.smtp.messages[self.seen :]
        self.seen += len(messages)
        return [parse(m) for m in messages]


@pytest.fixture
def mailbox(smtp) -> Mailbox:
    return Mailbox(smtp)
