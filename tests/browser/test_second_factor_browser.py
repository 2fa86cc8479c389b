"""The second factor in a real browser (issue 10 part 3): a principal sets it up right after the
password, then signs in with a recovery code and with a code from the app; axe finds no WCAG 2.1
A/AA violation on any of those pages."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from consent.accounts import totp
from consent.accounts.models import Account
from consent.core import clock
from consent.demo.operations import DEMO_PASSWORD
from consent.extensions import db
from tests.browser.test_journey import Axe, _context
from tests.support import PERSONAS

pytestmark = pytest.mark.browser

EMAIL = PERSONAS["reed"]


def password_step(page: Page) -> None:
    page.goto("/signin")
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def test_enrol_then_sign_in_with_a_recovery_code_and_with_a_code(app, chromium, live_server):  # noqa: F811
    with app.app_context():  # Thomas Reed has not set up his second factor yet
        db.session.execute(
            update(Account)
            .where(Account.email == EMAIL)
            .values(totp_secret=None, totp_enabled_at=None, totp_last_step=None)
        )
        db.session.commit()
        db.session.remove()
    axe = Axe()
    context = _context(chromium, live_server)
    page = context.new_page()

    password_step(page)
    expect(page.get_by_role("heading", level=1, name="Set up a second factor")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    axe.check(page, "set up a second factor")
    key = page.locator("#totp-key").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator(".error").first).to_be_visible()
    axe.check(page, "set up a second factor, wrong code")
    page.get_by_label("Code from the app").fill(totp.code_at(key, clock.now()))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", level=1, name="Your recovery codes")).to_be_visible()
    axe.check(page, "recovery codes")
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    page.get_by_role("link", name="I have kept my recovery codes: continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/account")
    expect(page.get_by_text("Recovery codes left: 10.")).to_be_visible()
    axe.check(page, "account page with a second factor")
    sign_out(page)

    # The phone is at home: a recovery code.
    password_step(page)
    expect(page.get_by_role("heading", level=1, name="Confirm it is you")).to_be_visible()
    axe.check(page, "second step")
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    sign_out(page)

    # The same recovery code again: refused, and nothing of his is reachable.
    password_step(page)
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error").first).to_be_visible()
    axe.check(page, "second step, refused code")
    page.goto("/requests")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()

    # With the app: the next step's code (the one used to enrol is spent).
    password_step(page)
    code = totp.code_at(key, clock.now() + timedelta(seconds=30))
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    context.close()
    axe.assert_clean()
