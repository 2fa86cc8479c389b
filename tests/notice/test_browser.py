"""In a real browser: the privacy office writes the Spanish notice, sends this year's notice
after its confirmation step, and reads who it did not reach; then the Spanish-speaking demo
guardian reads the Spanish notice on her rights page. Every page checked with axe-core; her
page at 320 px."""

import pytest
from playwright.sync_api import Page, expect

from consent.demo.operations import DEMO_PASSWORD
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, sign_out
from tests.support import PERSONAS

pytestmark = pytest.mark.browser

SPANISH_OFFICIALS = "Un funcionario escolar es el personal del distrito y las empresas contratadas."


def test_the_office_edits_and_sends_the_notice_and_maria_reads_it_in_spanish(page: Page, app):
    app.config["LANGUAGES"] = ("en", "es")
    axe = Axe()

    sign_in(page, "lee")
    menu_link(page, "Annual notice").click()
    expect(heading(page, "Annual notice of rights")).to_be_visible()
    axe.check(page, "notice overview")
    page.get_by_role("link", name="Edit the notice in Spanish").click()
    expect(heading(page, "Edit the notice in Spanish")).to_be_visible()
    axe.check(page, "notice form")

    # An empty part: the error is announced and nothing is saved.
    officials = page.get_by_label("Who is a school official with a legitimate educational interest")
    officials.fill("")
    page.get_by_role("button", name="Save a new version").click()
    expect(page.get_by_role("alert")).to_contain_text("Write this part of the notice.")
    axe.check(page, "notice form with an error")
    officials.fill(SPANISH_OFFICIALS)
    page.get_by_label("Name of the office families contact").fill(
        "Oficina de Privacidad Estudiantil"
    )
    page.get_by_role("button", name="Save a new version").click()
    expect(page.get_by_role("status")).to_contain_text("The notice is saved as a new version.")
    expect(heading(page, "History of the notice in Spanish")).to_be_visible()
    expect(page.get_by_role("heading", name="Version 1")).to_be_visible()
    axe.check(page, "notice history")

    menu_link(page, "Annual notice").click()
    page.get_by_role("link", name="Send this year's notice").click()
    expect(page.get_by_role("table", name="Who will get the notice")).to_contain_text("Spanish")
    axe.check(page, "send confirmation")
    page.get_by_role("button", name="Send the notice").click()
    expect(page.get_by_role("status")).to_contain_text("is on its way to")
    expect(page.get_by_role("heading", level=1)).to_contain_text("notice did not reach")
    expect(page.get_by_role("table", name="Not reached, by school and language")).to_contain_text(
        "Spanish"
    )
    expect(page.get_by_role("table", name="People not reached")).to_contain_text("Linda Williams")
    axe.check(page, "not reached report")
    page.get_by_role("link", name="Printable list of families without email").first.click()
    expect(page.get_by_role("table")).to_contain_text("Linda Williams")
    axe.check(page, "printable list")
    sign_out(page)

    # Maria prefers Spanish: her pages, and the notice, are in Spanish.
    page.goto("/signin")
    page.get_by_label("Email", exact=True).fill(PERSONAS["maria"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()
    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="Sus derechos"
    ).click()
    expect(page.locator("main")).to_contain_text(SPANISH_OFFICIALS)
    expect(page.locator("main")).not_to_contain_text("todavía no está traducida")
    expect(page.locator("footer")).to_contain_text("Oficina de Privacidad Estudiantil")
    axe.check(page, "rights page in Spanish")
    page.set_viewport_size({"width": 320, "height": 640})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 321
    axe.assert_clean()
