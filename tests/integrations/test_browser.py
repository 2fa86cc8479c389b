"""The privacy office makes and revokes a token in a real browser: found from the main menu,
errors announced, the token shown once, every page checked with axe-core for WCAG 2.1 A/AA
(0 violations) and the token page at 320 px wide."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from consent.core import clock
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in

pytestmark = pytest.mark.browser


def test_the_office_makes_and_revokes_a_token(page: Page, app):
    axe = Axe()
    sign_in(page, "lee")
    menu_link(page, "Integrations").click()
    expect(heading(page, "Integrations")).to_be_visible()
    axe.check(page, "integrations, none yet")

    page.get_by_role("link", name="Make a token").click()
    expect(heading(page, "Make an integration token")).to_be_visible()
    axe.check(page, "new token form")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_text("Name the system that will use the token.").first).to_be_visible()
    expect(page.get_by_text("Choose at least one thing the system may read.").first).to_be_visible()
    axe.check(page, "new token form with errors")

    page.get_by_label("Name of the system").fill("Rostering hub")
    page.get_by_label("Each tool's exclusion list", exact=False).check()
    page.get_by_label("Which students").select_option(label="Riverside Middle School")
    page.get_by_label("Works until").fill((clock.today() + timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Make the token").click()
    expect(heading(page, "The new token")).to_be_visible()
    secret = page.get_by_label("Token for Rostering hub").input_value()
    assert secret.startswith("cst_")
    axe.check(page, "token shown once")
    page.set_viewport_size({"width": 320, "height": 800})
    axe.check(page, "token shown once at 320 px")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name="I have copied it").click()
    expect(heading(page, "Rostering hub")).to_be_visible()
    assert secret not in page.content()
    axe.check(page, "token page")
    page.get_by_role("link", name="Revoke this token").click()
    expect(heading(page, "Revoke the token of Rostering hub?")).to_be_visible()
    axe.check(page, "revoke question")
    page.get_by_role("button", name="Revoke the token").click()
    expect(page.get_by_text("The token is revoked", exact=False)).to_be_visible()
    axe.check(page, "revoked")
    menu_link(page, "Integrations").click()
    expect(page.get_by_role("cell", name="Revoked")).to_be_visible()
    axe.check(page, "integrations list")
    axe.assert_clean()
