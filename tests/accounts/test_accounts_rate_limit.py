"""Guessing passwords is slowed down: too many sign-in posts from one address get a 429."""

import pytest

from consent.extensions import db, limiter
from tests.accounts.accounts_helpers import DEMO_PASSWORD, PERSONAS, Browser, make_app


@pytest.fixture
def limited_app(app, migrated, smtp):
    """The demo (restored by `app`) behind an app that allows five sign-in posts a minute."""
    limited = make_app(migrated, SIGNIN_RATE_LIMIT="5 per minute", MAIL_PORT=smtp.port)
    with limited.app_context():
        limiter.reset()
    yield limited
    # Flask-Limiter's limiter is one module-level object: leave no counts behind.
    with limited.app_context():
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def attempt(browser, password, **kwargs):
    return browser.post(
        "/signin",
        {"email": PERSONAS["maria"], "password": password},
        token_from="/signin",
        **kwargs,
    )


def test_sixth_signin_post_from_one_address_is_refused(limited_app):
    browser = Browser(limited_app.test_client())
    for n in range(5):
        response = attempt(browser, f"wrong password number {n}")
        assert response.status_code == 200, n
        assert "do not match an account" in response.get_data(as_text=True)

    response = attempt(browser, DEMO_PASSWORD)
    assert response.status_code == 429
    body = response.get_data(as_text=True)
    assert "Too many tries." in body
    assert "Please wait a few minutes and try again." in body
    assert "Traceback" not in body
    assert response.headers.get("Retry-After")
    # The right password did not sign her in.
    assert browser.get("/children").status_code == 302


def test_the_limit_is_per_address(limited_app):
    crowded = Browser(limited_app.test_client())
    for n in range(6):
        attempt(crowded, f"wrong password number {n}")
    assert attempt(crowded, DEMO_PASSWORD).status_code == 429

    elsewhere = Browser(limited_app.test_client())
    response = attempt(elsewhere, DEMO_PASSWORD, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert response.status_code == 302


def test_reading_the_signin_page_is_not_limited(limited_app):
    client = limited_app.test_client()
    for _ in range(8):
        assert client.get("/signin").status_code == 200


def test_behind_a_proxy_the_limit_counts_each_visitor_not_the_proxy(app, migrated, smtp):
    """With PROXY_HOPS=1 every visitor arrives from the load balancer's address; the limit must
    follow X-Forwarded-For, or one family's typos would lock out the whole district."""
    proxied = make_app(
        migrated, SIGNIN_RATE_LIMIT="5 per minute", MAIL_PORT=smtp.port, PROXY_HOPS=1
    )
    with proxied.app_context():
        limiter.reset()
    try:
        balancer = {"REMOTE_ADDR": "10.0.0.2"}
        crowded = Browser(proxied.test_client())
        for n in range(6):
            attempt(
                crowded,
                f"wrong {n}",
                environ_base=balancer,
                headers={"X-Forwarded-For": "198.51.100.1"},
            )
        assert (
            attempt(
                crowded,
                DEMO_PASSWORD,
                environ_base=balancer,
                headers={"X-Forwarded-For": "198.51.100.1"},
            ).status_code
            == 429
        )
        other_family = Browser(proxied.test_client())
        response = attempt(
            other_family,
            DEMO_PASSWORD,
            environ_base=balancer,
            headers={"X-Forwarded-For": "198.51.100.2"},
        )
        assert response.status_code == 302
    finally:
        with proxied.app_context():
            limiter.reset()
            db.session.remove()
            db.engine.dispose()
