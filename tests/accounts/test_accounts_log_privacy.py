"""Logs name accounts by id only: no email address or password ever reaches them."""

import logging

from tests.accounts.accounts_helpers import (
    DEMO_PASSWORD,
    PERSONAS,
    RESET_LINK_RE,
    Browser,
    deliver,
    mail_ready,
    parts,
)

NEW_PASSWORD = "a long and private passphrase"
TYPO_PASSWORD = "Demo-typo-password-123"


def test_sign_in_failure_and_reset_log_no_personal_data(app, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    mail_ready(app, smtp)
    client = app.test_client()
    browser = Browser(client)

    def sign_in(email, password):
        return browser.post("/signin", {"email": email, "password": password}, token_from="/signin")

    assert sign_in(PERSONAS["maria"], TYPO_PASSWORD).status_code == 200
    assert sign_in("stranger@elsewhere.example", DEMO_PASSWORD).status_code == 200
    assert sign_in(PERSONAS["maria"], DEMO_PASSWORD).status_code == 302
    browser.post("/signout", {}, token_from="/children")

    browser.post("/password/forgot", {"email": PERSONAS["james"]})
    browser.post("/password/forgot", {"email": "stranger@elsewhere.example"})
    deliver(app)
    (message,) = smtp.to(PERSONAS["james"])
    link = RESET_LINK_RE.search(parts(message)["text/plain"]).group()
    reset_path = link.removeprefix("http://consent.test")
    done = browser.post(reset_path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert sign_in(PERSONAS["james"], NEW_PASSWORD).status_code == 302

    # Only the app's own records: aiosmtpd ("mail.log") is the test's stand-in mail server.
    records = [r for r in caplog.records if not r.name.startswith("mail.log")]
    messages = [r.getMessage() for r in records]
    assert any("signed in" in m for m in messages), "the sign-ins were not logged at all"
    assert any("sign-in refused" in m for m in messages)

    secrets = [
        *PERSONAS.values(),
        "stranger@elsewhere.example",
        DEMO_PASSWORD,
        TYPO_PASSWORD,
        NEW_PASSWORD,
        reset_path.rsplit("/", 1)[1],
    ]
    for record, text in zip(records, messages, strict=True):
        for secret in secrets:
            assert secret.lower() not in text.lower(), (record.name, text)
