"""Server-side sessions: a cookie signs a browser in only while its session record is live.

ASVS V7 (session management): a new session id at sign-in, idle and absolute timeouts, and a
copied cookie that stops working after sign-out, a password change or reset, deactivation, or
"sign out all other sessions"."""

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from config import Config, DevelopmentConfig
from consent.accounts.models import Account, AccountSession
from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from tests.accounts.accounts_helpers import DEMO_PASSWORD, PERSONAS, Browser, make_app

NEW_PASSWORD = "a river of quiet thoughts"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1"
)


def signed_in(app, persona="maria", user_agent=FIREFOX) -> Browser:
    browser = Browser(app.test_client())
    response = browser.post(
        "/signin",
        {"email": PERSONAS[persona], "password": DEMO_PASSWORD},
        token_from="/signin",
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 302
    return browser


def cookie_of(browser) -> str:
    return browser.client.get_cookie("session").value


def cookie_data(app, browser) -> dict:
    """What the signed cookie holds (Flask's cookie is signed, not encrypted)."""
    return app.session_interface.get_signing_serializer(app).loads(cookie_of(browser))


def thief_with(app, browser):
    """Another client carrying a copy of `browser`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie_of(browser))
    return thief


def is_signed_in(client) -> bool:
    return client.get("/children").status_code == 200


def sessions_of(app, persona="maria") -> list[AccountSession]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(AccountSession)
                .join(Account, Account.id == AccountSession.account_id)
                .where(Account.email == PERSONAS[persona])
                .order_by(AccountSession.id)
            )
        )
        db.session.expunge_all()
        db.session.remove()
    return rows


def shift_sessions(app, **values) -> None:
    with app.app_context():
        db.session.execute(update(AccountSession).values(**values))
        db.session.commit()
        db.session.remove()


def test_the_cookie_carries_only_a_random_session_key_stored_hashed(app):
    browser = signed_in(app)
    data = cookie_data(app, browser)
    key = data["_user_id"]
    assert len(key) >= 40
    (record,) = sessions_of(app)
    assert record.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert record.key_hash != key
    with app.app_context():
        maria = db.session.scalar(select(Account).where(Account.email == PERSONAS["maria"]))
        assert key not in (str(maria.id), maria.session_token, maria.email)
        db.session.remove()
    assert record.user_agent == "Firefox on Windows"


def test_the_session_changes_at_sign_in(app):
    browser = Browser(app.test_client())
    browser.get("/signin")
    before = cookie_of(browser)
    assert "_user_id" not in cookie_data(app, browser)
    browser.post(
        "/signin", {"email": PERSONAS["maria"], "password": DEMO_PASSWORD}, token_from="/signin"
    )
    first = cookie_data(app, browser)["_user_id"]
    assert cookie_of(browser) != before
    browser.post("/signout", {}, token_from="/children")
    browser.post(
        "/signin", {"email": PERSONAS["maria"], "password": DEMO_PASSWORD}, token_from="/signin"
    )
    second = cookie_data(app, browser)["_user_id"]
    assert first != second
    assert len(sessions_of(app)) == 2


def test_idle_for_30_minutes_ends_the_session(app):
    assert timedelta(minutes=30) == Config.SESSION_IDLE_TIMEOUT
    browser = signed_in(app)
    shift_sessions(app, last_seen_at=clock.now() - timedelta(minutes=29))
    assert is_signed_in(browser)  # and this visit counts as use
    assert sessions_of(app)[0].last_seen_at > clock.now() - timedelta(minutes=1)
    shift_sessions(app, last_seen_at=clock.now() - timedelta(minutes=31))
    response = browser.get("/children")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin")


def test_twelve_hours_after_sign_in_the_session_ends_even_in_use(app):
    assert timedelta(hours=12) == Config.SESSION_ABSOLUTE_TIMEOUT
    browser = signed_in(app)
    shift_sessions(app, created_at=clock.now() - timedelta(hours=11, minutes=58))
    assert is_signed_in(browser)
    shift_sessions(app, created_at=clock.now() - timedelta(hours=12, minutes=1))
    assert not is_signed_in(browser)


def test_the_timeouts_are_configuration(app, migrated, smtp):
    short = make_app(migrated, SESSION_IDLE_TIMEOUT=timedelta(minutes=5), MAIL_PORT=smtp.port)
    try:
        browser = signed_in(short)
        shift_sessions(short, last_seen_at=clock.now() - timedelta(minutes=6))
        assert not is_signed_in(browser)
    finally:
        with short.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_copied_cookie_stops_working_at_sign_out(app):
    browser = signed_in(app)
    thief = thief_with(app, browser)
    assert is_signed_in(thief)
    browser.post("/signout", {}, token_from="/children")
    assert not is_signed_in(thief)
    assert sessions_of(app)[0].revoked_at is not None


def test_a_copied_cookie_stops_working_after_a_password_change(app):
    browser = signed_in(app)
    laptop = signed_in(app, user_agent=SAFARI_IPHONE)
    thief = thief_with(app, browser)
    done = browser.post(
        "/account/password",
        {"current": DEMO_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 302
    # The person who changed it stays signed in, on a new session; every copy is dead.
    assert is_signed_in(browser)
    assert not is_signed_in(thief)
    assert not is_signed_in(laptop)
    live = [s for s in sessions_of(app) if s.revoked_at is None]
    assert len(live) == 1


def test_a_copied_cookie_stops_working_when_the_account_is_deactivated(app):
    browser = signed_in(app)
    thief = thief_with(app, browser)
    with app.app_context():
        db.session.execute(
            update(Account).where(Account.email == PERSONAS["maria"]).values(active=False)
        )
        db.session.commit()
        db.session.remove()
    assert not is_signed_in(browser)
    assert not is_signed_in(thief)


def test_a_remember_me_cookie_never_signs_anyone_in(app):
    """Flask-Login would load a user from a signed `remember_token`; ours must not bypass the
    server-side session: neither the account id nor an ended session's key works."""
    from flask_login.utils import encode_cookie

    browser = signed_in(app)
    old_key = cookie_data(app, browser)["_user_id"]
    browser.post("/signout", {}, token_from="/children")
    with app.app_context():
        maria_id = db.session.scalar(select(Account.id).where(Account.email == PERSONAS["maria"]))
        db.session.remove()
    for value in (str(maria_id), old_key):
        client = app.test_client()
        with app.test_request_context():
            client.set_cookie("remember_token", encode_cookie(value))
        assert not is_signed_in(client)


def test_the_account_page_lists_sessions_and_signs_out_the_others(app):
    phone = signed_in(app, user_agent=SAFARI_IPHONE)
    laptop = signed_in(app)
    thief = thief_with(app, phone)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Safari on iPhone" in page
    assert "Firefox on Windows" in page
    assert "this browser" in page

    response = laptop.post("/account/sessions/end-others", {}, token_from="/account")
    assert response.status_code == 302
    assert "1 other session is signed out." in laptop.get("/account").get_data(as_text=True)
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert not is_signed_in(thief)
    assert "You are signed in only here." in laptop.get("/account").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).where(AuditEvent.action == "accounts.other_sessions_ended")
        )
        db.session.remove()


def test_the_account_page_is_for_signed_in_people_only(browser):
    for url in ("/account", "/account/password"):
        response = browser.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/signin")


def test_signing_out_others_without_a_csrf_token_is_refused(app):
    laptop = signed_in(app)
    phone = signed_in(app, user_agent=SAFARI_IPHONE)
    response = laptop.client.post("/account/sessions/end-others", data={})
    assert response.status_code == 400
    assert is_signed_in(phone)


@pytest.mark.parametrize(
    ("config", "secure", "expected"),
    [(Config, True, "__Host-session"), (DevelopmentConfig, False, "session")],
)
def test_production_names_the_cookie_with_the_host_prefix(
    app, migrated, smtp, config, secure, expected
):
    assert config.SESSION_COOKIE_NAME.endswith("session")
    built = make_app(
        migrated,
        SESSION_COOKIE_NAME=config.SESSION_COOKIE_NAME,
        SESSION_COOKIE_SECURE=secure,
        MAIL_PORT=smtp.port,
    )
    try:
        assert built.config["SESSION_COOKIE_NAME"] == expected
        response = built.test_client().get("/signin")
        (cookie,) = response.headers.getlist("Set-Cookie")
        assert cookie.startswith(f"{expected}=")
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
        assert ("secure" in flags) is secure
    finally:
        with built.app_context():
            db.session.remove()
            db.engine.dispose()
