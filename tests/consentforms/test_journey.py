"""The consent-form journey in a real browser: the privacy office writes and publishes a tool
consent, a parent refuses it for her child, and the refusal becomes an opt-out request routed to
the teacher. Every page on the way is checked with axe-core for WCAG 2.1 A/AA."""

import re

import pytest
from playwright.sync_api import Page, expect

from consent.core import clock
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, sign_out

pytestmark = pytest.mark.browser

TITLE = "Flip video responses 2026"


def test_office_publishes_guardian_refuses_and_an_opt_out_is_opened(page: Page, app, demo):
    axe = Axe()
    with app.app_context():
        today = clock.today()

    # The privacy officer writes a consent for Flip, for Riverside's grade 7.
    sign_in(page, "lee")
    menu_link(page, "Consent forms").click()
    expect(heading(page, "Consent forms")).to_be_visible()
    axe.check(page, "forms list")
    page.get_by_role("link", name="New form").click()
    expect(heading(page, "New consent form")).to_be_visible()
    axe.check(page, "new form")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Kind of form").select_option(label="Consent for one online tool")
    page.get_by_label("Tool (for a tool consent only)").select_option(label="Flip")
    page.get_by_label("Opt-in: nothing happens without a yes").check()
    page.get_by_role("group", name="Schools").get_by_label("Riverside Middle School").check()
    page.get_by_role("group", name="Grades").get_by_label("7", exact=True).check()
    # The window out of order first: a clear message, announced, and nothing saved.
    page.get_by_label("Answers open on").fill(today.replace(day=1).isoformat())
    page.get_by_label("Answers close on").fill("2020-01-01")
    page.get_by_label("Text families read").fill("May your child record short videos in Flip?")
    page.get_by_role("button", name="Save form").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The closing date must be on or after the opening date."
    )
    axe.check(page, "new form with an error")
    page.get_by_label("Answers close on").fill(f"{today.year + 1}-01-31")
    page.get_by_role("button", name="Save form").click()
    expect(heading(page, TITLE)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("saved as a draft")
    axe.check(page, "form detail")
    page.get_by_role("link", name="Publish").click()
    expect(page.get_by_text("7 parents and guardians")).to_be_visible()
    axe.check(page, "publish confirmation")
    page.get_by_role("button", name="Yes, publish and tell families").click()
    expect(page.get_by_role("status")).to_contain_text("Published. 7 parents and guardians")
    sign_out(page)

    # Maria finds it waiting for Mateo and refuses.
    sign_in(page, "maria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Forms").click()
    expect(heading(page, "Forms")).to_be_visible()
    axe.check(page, "guardian forms page")
    mateo = page.get_by_role("region", name="Mateo Garcia")
    expect(mateo.get_by_role("row").filter(has_text=TITLE)).to_contain_text(
        "Waiting for your answer"
    )
    mateo.get_by_role("link", name=TITLE).click()
    expect(heading(page, f"{TITLE} for Mateo")).to_be_visible()
    axe.check(page, "answer page")
    page.get_by_role("group", name="Your answer").get_by_label(
        "No, I do not give permission"
    ).check()
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_role("status")).to_contain_text("an opt-out request for Flip was sent")
    expect(page.get_by_role("table", name=re.compile("Every answer for Mateo"))).to_contain_text(
        "No, permission refused"
    )
    axe.check(page, "answer page after answering")

    # The refusal is acted on: Mateo's page lists a Flip request, routed to Mr. Patel.
    page.get_by_role("link", name="My children").click()
    page.get_by_role("link", name="Mateo Garcia").click()
    requests = page.get_by_role("table", name="Opt-out requests for Mateo")
    requests.get_by_role("link", name="Flip", exact=True).click()
    expect(heading(page, "Flip opt-out for Mateo Garcia")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Raj Patel")).to_be_visible()
    sign_out(page)

    # The principal sees the answer on the list and can record a paper one for a classmate.
    sign_in(page, "reed")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Consent forms").click()
    page.get_by_role("link", name=TITLE).click()
    axe.check(page, "form detail for the principal")
    page.get_by_role("link", name="Students and answers").click()
    expect(page.get_by_role("row").filter(has_text="Mateo Garcia")).to_contain_text(
        "No, permission refused"
    )
    axe.check(page, "staff list")
    page.get_by_role("link", name="Record for Olivia Jones").click()
    axe.check(page, "staff entry")
    page.get_by_role("group", name="Their answer").get_by_label("Yes, I give permission").check()
    page.get_by_role("group", name="How it came").get_by_label("On paper").check()
    page.get_by_role("button", name="Record answer").click()
    expect(page.get_by_role("status")).to_contain_text("Patricia Jones will get an email")
    axe.assert_clean()
