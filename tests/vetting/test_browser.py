"""Vetting in a real browser: a teacher sends a tool (first with a malformed address), the
committee reviews it (here through the operations; test_committee_browser.py does it on the
pages), the privacy office approves it with conditions, and the teacher puts it in use in a
class. Every page on the way is checked with axe-core for WCAG 2.1 A/AA."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consent.extensions import db
from consent.vetting.models import VettingRequest
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, sign_out
from tests.vetting.committee import reviewed

pytestmark = pytest.mark.browser

CONDITIONS = "Students join with a nickname, never their full name."


@pytest.mark.long
def test_a_tool_is_sent_reviewed_and_put_in_use(app, demo, page: Page):
    axe = Axe()
    sign_in(page, "johnson")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vetting requests").click()
    expect(heading(page, "My vetting requests")).to_be_visible()
    axe.check(page, "my vetting requests, empty")
    page.get_by_role("link", name="Send a tool for vetting").click()
    expect(heading(page, "Send a tool for vetting")).to_be_visible()
    page.get_by_label("Name of the tool").fill("Kahoot!")
    page.get_by_label("Website address").fill("kahoot dot com")
    page.get_by_label("What is it for?").fill("Quick quizzes to review a lesson.")
    page.get_by_label("Grades").fill("3-5")
    page.get_by_label("How do students use it?").fill("They join a game with a PIN.")
    page.get_by_label("What do students enter into it?").fill("A nickname.")
    page.get_by_role("button", name="Send for vetting").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a web address such as https://www.example.com.")
    expect(page.get_by_label("Website address")).to_have_attribute("aria-invalid", "true")
    axe.check(page, "vetting form with an error")
    page.get_by_label("Website address").fill("kahoot.com")
    page.get_by_role("button", name="Send for vetting").click()
    expect(heading(page, "Vetting request: Kahoot!")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("The privacy office will review Kahoot!")
    expect(page.locator("dl.facts").first).to_contain_text("Waiting for review")
    expect(page.locator("dl.facts").first).to_contain_text("https://kahoot.com")
    axe.check(page, "vetting request, waiting")
    sign_out(page)
    with app.app_context():
        request_id = db.session.scalar(
            select(VettingRequest.id).where(VettingRequest.name == "Kahoot!")
        )
    reviewed(app, demo, request_id)

    sign_in(page, "lee")
    menu_link(page, "Vetting").click()
    expect(heading(page, "Vetting review")).to_be_visible()
    axe.check(page, "review queue")
    page.get_by_role("link", name="Kahoot!").click()
    page.get_by_role("link", name="Decide").click()
    expect(heading(page, "Decide on Kahoot!")).to_be_visible()
    axe.check(page, "decision form")
    page.get_by_role("group", name="Decision").get_by_label("Approve with conditions").check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose the legal basis")
    axe.check(page, "decision form with errors")
    page.get_by_label("Legal basis (for an approval)").select_option(value="school_official")
    page.get_by_label("Note to the requester").fill(CONDITIONS)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("Kahoot! is now in the catalog")
    # The new entry says nothing yet about what Kahoot! collects: the office completes it
    # before any class may use it.
    menu_link(page, "Tool catalog").click()
    page.get_by_role("link", name="Edit Kahoot!").click()
    page.get_by_label("Company", exact=True).fill("Kahoot! ASA")
    page.get_by_label("Privacy policy address").fill("https://trust.kahoot.com/privacy-policy/")
    page.get_by_label("Student Name", exact=True).check()
    page.get_by_label("In plain words: Student Name").fill("A nickname chosen for each game")
    page.get_by_label("Option 1", exact=True).fill("An alternative activity")
    page.get_by_role("button", name="Save tool").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    menu_link(page, "Vetting").click()
    page.get_by_role("link", name="Decided", exact=True).click()
    expect(page.get_by_role("row").filter(has_text="Kahoot!")).to_contain_text(
        "Approved with conditions"
    )
    menu_link(page, "Tool uses").click()
    expect(heading(page, "School and district tools")).to_be_visible()
    axe.check(page, "school and district tools")
    page.get_by_role("link", name="Needs action").click()
    expect(page.get_by_text("Nothing needs action")).to_be_visible()
    axe.check(page, "needs action")
    sign_out(page)

    sign_in(page, "johnson")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Vetting requests").click()
    row = page.get_by_role("row").filter(has_text="Kahoot!")
    expect(row).to_contain_text("Approved with conditions")
    row.get_by_role("link", name="Kahoot!").click()
    expect(page.get_by_text(CONDITIONS)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tools in my classes"
    ).click()
    expect(heading(page, "Tools in classes")).to_be_visible()
    axe.check(page, "tools in my classes")
    page.get_by_role("link", name="Grade 4 - Room 12").click()
    expect(heading(page, "Tools in Grade 4 - Room 12")).to_be_visible()
    page.get_by_label("Tool", exact=True).select_option(label="Kahoot!")
    page.get_by_label("First day of use").fill("2026-01-05")
    page.get_by_label("Last day of use (optional)").fill("2026-01-01")
    page.get_by_role("button", name="Add tool").click()
    expect(page.get_by_role("alert")).to_contain_text("The end date is before the start date.")
    axe.check(page, "class tools with an error")
    page.get_by_label("Last day of use (optional)").fill("")
    page.get_by_role("button", name="Add tool").click()
    expect(page.get_by_role("status")).to_contain_text("Kahoot! added to Grade 4 - Room 12.")
    expect(page.get_by_role("row").filter(has_text="Kahoot!")).to_contain_text(
        "Approved with conditions"
    )
    axe.check(page, "class tools")
    page.get_by_role("link", name="Stop using Kahoot!").click()
    expect(heading(page, "Stop using Kahoot!?")).to_be_visible()
    axe.check(page, "stop using a tool")
    axe.assert_clean()
