"""Fixtures for the consent-form tests: the demo's accounts in a session, forms made through
the real operations, an outbox without the demo's backlog, and what reached the SMTP server."""

from dataclasses import dataclass
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.consentforms import operations
from consent.consentforms.models import FormKind, FormMode
from consent.core import clock
from consent.extensions import db
from consent.notifications.operations import deliver_due
from consent.schoolcalendar.days import school_year_of

TEXT = "May the district share this? You can change your answer until the form closes."


@pytest.fixture
def account(app, demo):
    """account("lee") → that demo persona's Account, in the current app context."""

    def get(persona: str) -> Account:
        return db.session.get(Account, demo.accounts[persona])

    return get


@pytest.fixture
def make_form(app, demo, account):
    """make_form(**fields) → the id of a new form, published unless publish=False; made by the
    privacy office through the operations, committed. Open from a week ago for a month."""

    def make(publish: bool = True, **fields) -> int:
        with app.app_context():
            today = clock.today()
            spec = {
                "school_year": school_year_of(today),
                "kind": FormKind.DIRECTORY_INFORMATION,
                "mode": FormMode.OPT_OUT,
                "title": "Directory information",
                "text": TEXT,
                "opens_on": today - timedelta(days=7),
                "closes_on": today + timedelta(days=30),
            }
            spec.update(fields)
            office = account("lee")
            form = operations.create_form(actor=office, **spec)
            if publish:
                operations.publish_form(actor=office, form=form)
            db.session.commit()
            return form.id

    return make


@dataclass
class Email:
    to: str
    subject: str
    text: str


def _text(message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            return payload.decode(part.get_content_charset() or "utf-8").replace("\r\n", "\n")
    return ""


@pytest.fixture
def deliver(app, smtp):
    """deliver() → the emails one worker pass sent to the loopback SMTP server."""
    seen = {"count": 0}

    def run() -> list[Email]:
        with app.app_context():
            deliver_due()
        new = smtp.messages[seen["count"] :]
        seen["count"] = len(smtp.messages)
        return [
            Email(
                to=m["To"],
                subject=str(
                    policy.default.header_factory(
                        "subject", m["Subject"].replace("\r\n", "").replace("\n", "")
                    )
                ),
                text=_text(m),
            )
            for m in new
        ]

    return run


def count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))
