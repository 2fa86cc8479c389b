"""In a real browser: a teacher signs in with the district's provider (a real OpenID provider on
loopback, tests/oidc_provider), lands on their pages, signs out of both; a person not on the
roster gets the clear page. Each of this service's pages is checked with axe-core."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journey import Axe, _context, heading
from tests.support import PERSONAS, OidcProvider

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_page(app, chromium, live_server, processes, tmp_path):  # noqa: F811 - fixture by name
    """The live server, with a provider that sends the browser back to it."""
    app.config["PUBLIC_URL"] = live_server
    provider = OidcProvider(processes, tmp_path, live_server).start()
    app.config.update(provider.app_config())
    context = _context(chromium, live_server)
    yield context.new_page(), provider
    context.close()


def at_provider_sign_in(page, email: str) -> None:
    page.get_by_role("link", name="Sign in with Demo District Login").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()


def test_a_teacher_signs_in_and_out_with_the_district_provider(sso_page):
    page, provider = sso_page
    axe = Axe()
    page.goto("/signin")
    axe.check(page, "sign-in page offering the district's provider")
    at_provider_sign_in(page, PERSONAS["johnson"])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe.check(page, "home after signing in with the provider")
    page.goto("/account")
    expect(page.get_by_text("Emily Johnson").first).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    # The provider asks whether to end its session too, then sends the browser back.
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/session/end"))
    page.get_by_role("button", name=re.compile("Yes, sign me out", re.I)).click()
    expect(heading(page, "Sign in")).to_be_visible()
    page.goto("/account")
    expect(heading(page, "Sign in")).to_be_visible()
    axe.assert_clean()


def test_a_person_not_on_the_roster_gets_a_clear_page(sso_page):
    page, _provider = sso_page
    axe = Axe()
    page.goto("/signin")
    at_provider_sign_in(page, "stranger@elsewhere.example")
    expect(heading(page, "You are not on the staff roster")).to_be_visible()
    axe.check(page, "SSO refusal page")
    axe.assert_clean()
