"""Forgotten password: a link by email, used once, to choose a new one."""

import html
import re

import pytest
from sqlalchemy import func, select

from consent.extensions import db
from consent.notifications.models import Notification
from tests.accounts.accounts_helpers import (
    DEMO_PASSWORD,
    PERSONAS,
    RESET_LINK_RE,
    Browser,
    account_row,
    deliver,
    mail_ready,
    parts,
)

NEW_PASSWORD = "correct horse battery staple"
FLASH = "If that email belongs to an account, a reset link is on its way."


@pytest.fixture
def mailbox(app, smtp):
    mail_ready(app, smtp)
    return smtp


def ask_for_reset(browser, email):
    return browser.post("/password/forgot", {"email": email}, follow_redirects=True)


def reset_path(app, browser, mailbox, persona="maria") -> str:
    """Ask for a reset for `persona`, deliver, and return the path of the emailed link."""
    ask_for_reset(browser, PERSONAS[persona])
    deliver(app)
    (message,) = mailbox.to(PERSONAS[persona])
    link = RESET_LINK_RE.search(parts(message)["text/plain"]).group()
    return link.removeprefix("http://consent.test")


def can_sign_in(app, persona, password) -> bool:
    browser = Browser(app.test_client())
    response = browser.post(
        "/signin", {"email": PERSONAS[persona], "password": password}, token_from="/signin"
    )
    return response.status_code == 302


def test_the_reset_email_reaches_maria_with_the_link_in_both_parts(app, browser, mailbox):
    page = ask_for_reset(browser, PERSONAS["maria"])
    assert page.request.path == "/signin"
    assert FLASH in page.get_data(as_text=True)
    deliver(app)

    assert len(mailbox.messages) == 1
    (message,) = mailbox.to(PERSONAS["maria"])
    assert [rcpt for _sender, rcpts in mailbox.envelopes for rcpt in rcpts] == [PERSONAS["maria"]]
    assert "Reset your password" in message["Subject"]
    bodies = parts(message)
    text_links = RESET_LINK_RE.findall(bodies["text/plain"])
    html_links = RESET_LINK_RE.findall(bodies["text/html"])
    assert text_links and html_links
    assert set(text_links) == set(html_links)
    assert f'href="{text_links[0]}"' in bodies["text/html"]


def test_the_link_sets_a_new_password_once(app, browser, mailbox):
    path = reset_path(app, browser, mailbox)
    form = browser.get(path)
    assert form.status_code == 200
    assert "Choose a new password" in form.get_data(as_text=True)

    done = browser.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"] == "/signin"
    assert "Your password is changed." in browser.get("/signin").get_data(as_text=True)

    assert can_sign_in(app, "maria", NEW_PASSWORD)
    assert not can_sign_in(app, "maria", DEMO_PASSWORD)

    again = browser.get(path)
    assert again.status_code == 404
    assert "This link does not work any more" in again.get_data(as_text=True)
    other = "yet another passphrase!"
    replay = browser.post(path, {"password": other, "confirm": other}, token_from="/signin")
    assert replay.status_code == 404
    assert can_sign_in(app, "maria", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short pass", "short pass", "between 12 and 128 characters"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "The two passwords differ."),
        ("", "", "This field is required."),
    ],
)
def test_a_bad_new_password_is_explained_and_changes_nothing(
    app, browser, mailbox, password, confirm, message
):
    before = account_row(app, "maria")
    path = reset_path(app, browser, mailbox)
    response = browser.post(path, {"password": password, "confirm": confirm})
    assert response.status_code == 200
    errors = re.findall(r'<p class="error"[^>]*>(.*?)</p>', response.get_data(as_text=True), re.S)
    assert any(message in html.unescape(error) for error in errors), errors

    assert account_row(app, "maria") == before
    assert can_sign_in(app, "maria", DEMO_PASSWORD)
    # The link still works for a second try.
    assert browser.get(path).status_code == 200


def test_a_tampered_link_does_not_work(app, browser, mailbox):
    path = reset_path(app, browser, mailbox)
    response = browser.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert response.status_code == 404
    assert "This link does not work any more" in response.get_data(as_text=True)


def test_an_unknown_email_gets_the_same_message_and_no_email(app, browser, mailbox):
    def queued():
        with app.app_context():
            count = db.session.scalar(select(func.count()).select_from(Notification))
            db.session.remove()
        return count

    before = queued()
    page = ask_for_reset(browser, "nobody.here@demo.consent.example")
    assert page.request.path == "/signin"
    assert FLASH in page.get_data(as_text=True)
    deliver(app)
    assert queued() == before
    assert mailbox.messages == []

    known = ask_for_reset(Browser(app.test_client()), PERSONAS["maria"])
    assert known.status_code == page.status_code
    assert FLASH in known.get_data(as_text=True)
