"""Shared helpers for the accounts tests.

The root tests/conftest.py is loaded by its path: a plain `import conftest` picks whichever
conftest.py pytest imported last (tests/notifications has one too), so it is not reliable.
"""

import importlib.util
import re
import sys
from pathlib import Path

from sqlalchemy import select

from consent.extensions import db
from consent.notifications.operations import deliver_due

_NAME = "_consent_tests_root_conftest"


def _root_conftest():
    if _NAME not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "conftest.py"
        spec = importlib.util.spec_from_file_location(_NAME, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
    return sys.modules[_NAME]


_root = _root_conftest()
make_app = _root.make_app
PERSONAS = _root.PERSONAS
DEMO_PASSWORD = _root.DEMO_PASSWORD
Browser = _root.Browser
csrf_from = _root.csrf_from

RESET_LINK_RE = re.compile(r"http://consent\.test/password/reset/[A-Za-z0-9_\-.]+")


def account_row(app, persona: str):
    """(id, password_hash, session_token) of a persona's account, read fresh from the table."""
    from consent.accounts.models import Account

    with app.app_context():
        row = db.session.execute(
            select(Account.id, Account.password_hash, Account.session_token).where(
                Account.email == PERSONAS[persona]
            )
        ).one()
        db.session.remove()
    return row


def flush_mail(app, smtp) -> None:
    """Send whatever the demo left pending, then forget it, so a test sees only its own mail."""
    with app.app_context():
        deliver_due()
        db.session.remove()
    smtp.messages.clear()
    smtp.envelopes.clear()


def deliver(app) -> None:
    with app.app_context():
        deliver_due()
        db.session.remove()


def parts(message) -> dict[str, str]:
    """{"text/plain": ..., "text/html": ...} of an email, decoded."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        payload = part.get_payload(decode=True)
        charset = part.get_content_charset() or "utf-8"
        found[part.get_content_type()] = payload.decode(charset)
    return found
