"""Authentication events reach the audit log (ASVS 16.3.1 / v4 7.2.1), and neither the log
lines nor the audit rows carry a password, a session key, a reset token or an email address."""

import logging
from datetime import timedelta

from sqlalchemy import insert, select

from consent.accounts.models import SignInFailure
from consent.accounts.operations import email_digest
from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from tests.accounts.accounts_helpers import (
    DEMO_PASSWORD,
    PERSONAS,
    RESET_LINK_RE,
    Browser,
    deliver,
    mail_ready,
    parts,
)

TYPO = "consent-demo-2062"
CHANGED = "a kettle of green tea"
RESET_TO = "seven small boats at dawn"


def test_every_authentication_event_is_audited_without_secrets(app, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    mail_ready(app, smtp)
    secrets_seen: list[str] = [DEMO_PASSWORD, TYPO, CHANGED, RESET_TO, *PERSONAS.values()]

    def sign_in(browser, email, password):
        return browser.post("/signin", {"email": email, "password": password}, token_from="/signin")

    laptop, phone = Browser(app.test_client()), Browser(app.test_client())
    assert sign_in(laptop, PERSONAS["maria"], TYPO).status_code == 200
    assert sign_in(laptop, "stranger@elsewhere.example", TYPO).status_code == 200
    assert sign_in(laptop, PERSONAS["maria"], DEMO_PASSWORD).status_code == 302
    assert sign_in(phone, PERSONAS["maria"], DEMO_PASSWORD).status_code == 302
    secrets_seen += [laptop.client.get_cookie("session").value]
    laptop.post("/account/sessions/end-others", {}, token_from="/account")
    laptop.post(
        "/account/password", {"current": DEMO_PASSWORD, "password": CHANGED, "confirm": CHANGED}
    )
    laptop.post("/signout", {}, token_from="/children")

    laptop.post("/password/forgot", {"email": PERSONAS["maria"]})
    deliver(app)
    (message,) = smtp.to(PERSONAS["maria"])
    link = RESET_LINK_RE.search(parts(message)["text/plain"]).group()
    secrets_seen.append(link.rsplit("/", 1)[1])
    laptop.post(
        link.removeprefix("http://consent.test"), {"password": RESET_TO, "confirm": RESET_TO}
    )

    with app.app_context():
        db.session.execute(
            insert(SignInFailure),
            [{"email_digest": email_digest(PERSONAS["james"]), "at": clock.now()}] * 99,
        )
        db.session.commit()
    sign_in(Browser(app.test_client()), PERSONAS["james"], TYPO)

    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_role, AuditEvent.target)
            .where(AuditEvent.action.like("accounts.%"))
            .where(AuditEvent.at > clock.now() - timedelta(minutes=10))
        ).all()
        db.session.remove()
    actions = [row.action for row in rows]
    for expected in (
        "accounts.signin",
        "accounts.signin_failed",
        "accounts.lockout",
        "accounts.signout",
        "accounts.other_sessions_ended",
        "accounts.password_changed",
        "accounts.password_reset",
    ):
        assert expected in actions, expected
    assert actions.count("accounts.signin") == 2
    failed = [row for row in rows if row.action == "accounts.signin_failed"]
    # A failure names the account by id when there is one, never the address typed.
    assert {row.target for row in failed} >= {"", next(r.target for r in rows if r.target)}
    assert all(row.actor_role == "anonymous" for row in failed)

    # Every log line but the test's own SMTP server (mail.log), which prints the mail it gets.
    logged = "\n".join(
        record.getMessage() for record in caplog.records if not record.name.startswith("mail.")
    )
    audited = "\n".join(" ".join(map(str, row)) for row in rows)
    for secret in secrets_seen:
        assert secret not in logged
        assert secret not in audited
    assert "@" not in audited
