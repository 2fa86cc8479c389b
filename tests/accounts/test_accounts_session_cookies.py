"""The session cookie: locked down, never "remember me", and dead after sign-out or a reset."""

import re

import pytest

from config import Config
from consent.extensions import db
from tests.accounts.accounts_helpers import (
    DEMO_PASSWORD,
    PERSONAS,
    RESET_LINK_RE,
    Browser,
    account_row,
    deliver,
    mail_ready,
    make_app,
    parts,
)


@pytest.fixture
def secure_app(app, migrated, smtp):
    """The demo (restored by `app`) served with the production cookie settings."""
    assert Config.SESSION_COOKIE_SECURE is True  # the production default
    secure = make_app(migrated, SESSION_COOKIE_SECURE=True, MAIL_PORT=smtp.port)
    yield secure
    with secure.app_context():
        db.session.remove()
        db.engine.dispose()


def sign_in(browser, persona="maria", password=DEMO_PASSWORD):
    return browser.post(
        "/signin", {"email": PERSONAS[persona], "password": password}, token_from="/signin"
    )


def cookies_set(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_signin_cookie_is_secure_httponly_and_samesite_lax(secure_app):
    browser = Browser(secure_app.test_client())
    response = sign_in(browser)
    assert response.status_code == 302
    cookies = cookies_set(response)
    # In production the cookie is bound to this host over HTTPS (`__Host-`: Secure, Path=/,
    # no Domain), so no other site of the district can set or read it.
    assert "__Host-session" in cookies
    flags = [part.strip().lower() for part in cookies["__Host-session"].split(";")]
    assert "secure" in flags
    assert "httponly" in flags
    assert "samesite=lax" in flags
    assert "path=/" in flags
    assert not any(flag.startswith("domain=") for flag in flags)


def test_no_remember_me_cookie_is_ever_set(secure_app):
    browser = Browser(secure_app.test_client())
    responses = [browser.get("/signin"), sign_in(browser), browser.get("/children")]
    responses.append(browser.post("/signout", {}, token_from="/children"))
    for response in responses:
        for name in cookies_set(response):
            assert "remember" not in name.lower(), name
    assert browser.client.get_cookie("remember_token") is None
    assert not re.search(r"remember", browser.get("/signin").get_data(as_text=True), re.I)


def test_signout_ends_the_session(browser):
    sign_in(browser)
    assert browser.get("/children").status_code == 200
    response = browser.post("/signout", {}, token_from="/children")
    assert response.status_code == 302
    assert response.headers["Location"] == "/signin"
    assert "You are signed out." in browser.get("/signin").get_data(as_text=True)
    later = browser.get("/children")
    assert later.status_code == 302
    assert later.headers["Location"].startswith("/signin")


def test_a_password_reset_ends_sessions_signed_in_before_it(app, smtp, browser):
    mail_ready(app, smtp)
    # Maria is signed in on a laptop; someone copies that session cookie.
    laptop = Browser(app.test_client())
    sign_in(laptop)
    assert laptop.get("/children").status_code == 200
    stolen = laptop.client.get_cookie("session").value
    token_before = account_row(app, "maria").session_token

    # She resets her password from her phone.
    browser.post("/password/forgot", {"email": PERSONAS["maria"]})
    deliver(app)
    (message,) = smtp.to(PERSONAS["maria"])
    link = RESET_LINK_RE.search(parts(message)["text/plain"]).group()
    path = link.removeprefix("http://consent.test")
    new_password = "a brand new long passphrase"
    done = browser.post(path, {"password": new_password, "confirm": new_password})
    assert done.status_code == 302

    assert account_row(app, "maria").session_token != token_before
    # The laptop's session and the copied cookie both stopped working.
    assert laptop.get("/children").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/children")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")
