"""Signing in through the real form, CSRF on, the way a person does it."""

import html
import re

import pytest
from sqlalchemy import text

from consent.extensions import db
from tests.accounts.accounts_helpers import DEMO_PASSWORD, PERSONAS
from tests.support import without_csrf

GENERIC = "That email and password do not match an account."


def post_signin(browser, email, password, url="/signin"):
    return browser.post(url, {"email": email, "password": password}, token_from="/signin")


@pytest.mark.parametrize(
    ("persona", "start"),
    [("maria", "/children"), ("johnson", "/tasks"), ("brooks", "/requests")],
)
def test_sign_in_lands_on_the_roles_start_page(browser, persona, start):
    response = browser.sign_in(persona)  # a principal answers the second step too
    assert response.status_code == 302
    landed = browser.get(response.headers["Location"], follow_redirects=True)
    assert landed.status_code == 200
    assert landed.request.path == start


def test_signed_in_person_visiting_signin_is_sent_to_their_start_page(as_):
    response = as_("johnson").get("/signin", follow_redirects=True)
    assert response.request.path == "/tasks"


def _error_text(body: str) -> str:
    match = re.search(r'<p class="error"[^>]*>(.*?)</p>', body, re.S)
    assert match, "no error message on the page"
    return html.unescape(match.group(1)).strip()


def test_wrong_password_and_unknown_email_get_the_same_answer(browser):
    wrong = post_signin(browser, PERSONAS["maria"], "not-the-password-at-all")
    unknown = post_signin(browser, "nobody.here@demo.consent.example", DEMO_PASSWORD)

    assert wrong.status_code == unknown.status_code == 200
    assert _error_text(wrong.get_data(as_text=True)) == GENERIC
    assert _error_text(unknown.get_data(as_text=True)) == GENERIC

    # Nothing else on the page tells the two apart (CSRF token and the typed email aside).
    def normalised(response, email):
        body = response.get_data(as_text=True)
        return without_csrf(body).replace(html.escape(email), "EMAIL")

    assert normalised(wrong, PERSONAS["maria"]) == normalised(
        unknown, "nobody.here@demo.consent.example"
    )
    assert browser.get("/children").status_code == 302


def test_inactive_account_gets_the_same_generic_answer(app, browser):
    with app.app_context():
        db.session.execute(
            text("UPDATE account SET active = :no WHERE email = :email"),
            {"no": False, "email": PERSONAS["james"]},
        )
        db.session.commit()
        db.session.remove()
    response = post_signin(browser, PERSONAS["james"], DEMO_PASSWORD)
    assert response.status_code == 200
    assert _error_text(response.get_data(as_text=True)) == GENERIC


def test_the_form_keeps_the_typed_email_but_not_the_password(browser):
    response = post_signin(browser, PERSONAS["maria"], "a wrong password typed here")
    body = response.get_data(as_text=True)
    email_input = re.search(r'<input[^>]*name="email"[^>]*>', body).group(0)
    assert f'value="{PERSONAS["maria"]}"' in email_input
    password_input = re.search(r'<input[^>]*name="password"[^>]*>', body).group(0)
    assert not re.search(r'value="[^"]', password_input)
    assert "a wrong password typed here" not in body


def test_email_is_matched_without_regard_to_case_or_spaces(browser):
    response = post_signin(browser, "  " + PERSONAS["maria"].upper() + " ", DEMO_PASSWORD)
    assert response.status_code == 302
    assert browser.get("/children").status_code == 200


def test_passwords_are_stored_as_argon2id_hashes(app, browser):
    post_signin(browser, PERSONAS["maria"], DEMO_PASSWORD)
    with app.app_context():
        hashes = db.session.execute(text("SELECT password_hash FROM account")).scalars().all()
        db.session.remove()
    assert hashes
    for value in hashes:
        assert value.startswith("$argon2id$"), value[:12]
        assert DEMO_PASSWORD not in value
