"""In a real browser: the office sees what is not yet translated, translates Khan Academy's
purpose, and Maria, who reads Spanish, sees her son's tools in
Spanish and the English of what is still untranslated, marked, at 320 px. Every page checked
with axe-core."""

import pytest
from playwright.sync_api import Page, expect

from consent.demo.operations import DEMO_PASSWORD
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, sign_out
from tests.support import PERSONAS

pytestmark = pytest.mark.browser

KHAN_ES = "Práctica de matemáticas y videos que se adaptan a cada estudiante."


def context_page(chromium, live_server, **options) -> Page:
    # The app's CSP forbids inline script; bypass it only so axe can be injected.
    context = chromium.new_context(base_url=live_server, bypass_csp=True, **options)
    context.set_default_timeout(10_000)
    return context.new_page()


def sign_in_spanish_reader(page: Page, persona: str) -> None:
    """The sign-in form is English to a visitor; the pages after it are in her language."""
    page.goto("/signin")
    page.get_by_label("Email", exact=True).fill(PERSONAS[persona])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()


def test_the_office_translates_and_maria_reads_spanish_with_the_rest_marked(
    chromium, live_server, demo
):
    axe = Axe()
    page = context_page(chromium, live_server)
    sign_in(page, "lee")
    menu_link(page, "Translations").click()
    expect(heading(page, "Texts not yet translated")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Spanish: 8 texts without a translation")
    ).to_be_visible()
    axe.check(page, "texts not yet translated")
    page.get_by_role("link", name="Translate Khan Academy").first.click()
    expect(heading(page, "Khan Academy in Spanish")).to_be_visible()
    axe.check(page, "Khan Academy's translations")

    page.get_by_label("What it is for", exact=True).fill(KHAN_ES)
    page.get_by_role("button", name="Save translations").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the Spanish texts.")
    expect(page.get_by_label("What it is for", exact=True)).to_have_value(KHAN_ES)
    sign_out(page)
    page.context.close()

    page = context_page(chromium, live_server, viewport={"width": 320, "height": 640})
    sign_in_spanish_reader(page, "maria")
    page.goto(f"/students/{demo.students['mateo']}")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    flip = page.locator("section.card", has=page.get_by_role("heading", name="Flip"))
    expect(flip).to_contain_text("Los estudiantes graban videos cortos")
    khan = page.locator("section.card", has=page.get_by_role("heading", name="Khan Academy"))
    expect(khan).to_contain_text(KHAN_ES)
    # Its notes have no Spanish yet: English, marked as English, with the note beside it.
    english = khan.locator('[lang="en"]', has_text="practice scores and mastery levels")
    expect(english).to_be_visible()
    expect(english.locator("+ .untranslated")).to_have_text("(todavía sin traducir)")
    axe.check(page, "Mateo's page in Spanish")
    assert page.evaluate("document.documentElement.scrollWidth") <= 321

    page.goto(f"/tools/{demo.tools['khan']}")
    expect(page.get_by_text("Paper practice instead")).to_have_attribute("lang", "en")
    axe.check(page, "Khan Academy's page in Spanish")
    page.goto(f"/students/{demo.students['mateo']}/optouts/new?tool={demo.tools['zoom']}")
    expect(page.get_by_label("Cámara apagada")).to_be_visible()
    axe.check(page, "opt-out form in Spanish")
    page.goto("/forms")
    expect(page.get_by_role("link", name="Consentimiento para Flip en Inglés 7")).to_be_visible()
    axe.check(page, "forms in Spanish")
    page.context.close()
    axe.assert_clean()
