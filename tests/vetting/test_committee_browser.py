"""The committee in a real browser: a teacher sends a tool; the privacy office assigns two
reviewers; each records findings against the rubric (one first forgets a reason for a concern);
the office asks the requester for more information; the requester answers and the request
returns to review; the office approves it. Every page on the way is checked with axe-core for
WCAG 2.1 A/AA."""

import pytest
from playwright.sync_api import Page, expect

from consent.vetting.rubric import DEFAULT_ITEMS
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, sign_out

pytestmark = pytest.mark.browser

QUESTION = "Do students sign in with a nickname only, or with their school account?"
ANSWER = "A nickname only: they join each game with a PIN."
KIM_NOTE = "Kahoot! shows advertising on the free plan."


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def open_request(page: Page, persona: str) -> None:
    sign_in(page, persona)
    if persona == "lee":
        menu_link(page, "Vetting").click()
    elif persona in ("kim", "reed"):
        main_nav(page).get_by_role("link", name="Vetting reviews").click()
        expect(heading(page, "Vetting reviews assigned to me")).to_be_visible()
    else:
        main_nav(page).get_by_role("link", name="Vetting requests").click()
    page.get_by_role("link", name="Kahoot!").click()
    expect(heading(page, "Vetting request: Kahoot!")).to_be_visible()


def record_review(page: Page, axe: Axe, persona: str, *, concern: bool) -> None:
    open_request(page, persona)
    if concern:
        axe.check(page, "request page of a reviewer, before the review")
    page.get_by_role("link", name="Review this request").click()
    expect(heading(page, "Review Kahoot!")).to_be_visible()
    for title, _guidance in DEFAULT_ITEMS:
        page.get_by_role("group", name=title).get_by_label("Pass").check()
    if concern:
        axe.check(page, "review form")
        page.get_by_role("group", name="Advertising and selling data").get_by_label(
            "Concern"
        ).check()
    page.get_by_role("group", name="Your recommendation").get_by_label(
        "Approve", exact=True
    ).check()
    page.get_by_role("button", name="Record my review").click()
    if concern:
        expect(page.get_by_role("alert")).to_contain_text(
            "Say what the concern is for “Advertising and selling data”."
        )
        axe.check(page, "review form with an error")
        page.get_by_label("Note on “Advertising and selling data”").fill(KIM_NOTE)
        page.get_by_role("button", name="Record my review").click()
    expect(page.get_by_role("status")).to_contain_text("Your review is recorded.")
    expect(page.get_by_role("link", name="Change my review")).to_be_visible()
    axe.check(page, f"request page of a reviewer ({persona})")
    sign_out(page)


@pytest.mark.long
def test_two_reviewers_more_information_then_approval(page: Page):
    axe = Axe()
    sign_in(page, "johnson")
    main_nav(page).get_by_role("link", name="Vetting requests").click()
    page.get_by_role("link", name="Send a tool for vetting").click()
    page.get_by_label("Name of the tool").fill("Kahoot!")
    page.get_by_label("Website address").fill("kahoot.com")
    page.get_by_label("What is it for?").fill("Quick quizzes to review a lesson.")
    page.get_by_label("Grades").fill("3-5")
    page.get_by_label("How do students use it?").fill("They join a game with a PIN.")
    page.get_by_label("What do students enter into it?").fill("A nickname.")
    page.get_by_role("button", name="Send for vetting").click()
    expect(heading(page, "Vetting request: Kahoot!")).to_be_visible()
    sign_out(page)

    # The office assigns Mr. Kim and Mr. Reed.
    open_request(page, "lee")
    axe.check(page, "request page of the office, no reviewer yet")
    page.get_by_role("link", name="Assign reviewers").click()
    expect(heading(page, "Assign reviewers: Kahoot!")).to_be_visible()
    page.get_by_label("David Kim").check()
    page.get_by_role("button", name="Assign reviewers").click()
    expect(page.get_by_role("alert")).to_contain_text("Every request needs at least 2 reviewers.")
    axe.check(page, "assigning reviewers, with an error")
    page.get_by_label("David Kim").check()
    page.get_by_label("Thomas Reed").check()
    page.get_by_role("button", name="Assign reviewers").click()
    expect(page.get_by_role("status")).to_contain_text("Reviewers assigned.")
    expect(page.locator("dl.facts").first).to_contain_text("In review")
    sign_out(page)

    record_review(page, axe, "kim", concern=True)
    record_review(page, axe, "reed", concern=False)

    # The office reads every finding, then asks the requester a question.
    open_request(page, "lee")
    expect(page.get_by_text(KIM_NOTE)).to_be_visible()
    page.get_by_role("link", name="Decide").click()
    expect(heading(page, "Decide on Kahoot!")).to_be_visible()
    expect(page.get_by_role("heading", name="Review by David Kim")).to_be_visible()
    axe.check(page, "decision page with the findings")
    page.get_by_role("group", name="Decision").get_by_label(
        "Ask the requester for more information"
    ).check()
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("alert")).to_contain_text("Write the question for the requester.")
    page.get_by_label("Note to the requester").fill(QUESTION)
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("went back to its requester")
    sign_out(page)

    # The requester sees the status and the question, never the reviewers' notes, and answers.
    open_request(page, "johnson")
    expect(page.locator("dl.facts").first).to_contain_text("More information needed")
    expect(page.get_by_text(QUESTION)).to_be_visible()
    expect(page.get_by_text(KIM_NOTE)).to_have_count(0)
    axe.check(page, "request page of the requester, with a question")
    page.get_by_role("link", name="Answer the question").click()
    expect(heading(page, "Answer the privacy office: Kahoot!")).to_be_visible()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("alert")).to_contain_text("Write your answer.")
    axe.check(page, "answer form with an error")
    page.get_by_label("Your answer").fill(ANSWER)
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("status")).to_contain_text("Your answer went to the reviewers.")
    expect(page.locator("dl.facts").first).to_contain_text("In review")
    sign_out(page)

    # Back in review: the office approves.
    open_request(page, "lee")
    expect(page.get_by_text(ANSWER)).to_be_visible()
    page.get_by_role("link", name="Decide").click()
    page.get_by_role("group", name="Decision").get_by_label("Approve", exact=True).check()
    page.get_by_label("Legal basis (for an approval)").select_option(value="school_official")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("Kahoot! is now in the catalog")
    page.get_by_role("link", name="Backlog report").click()
    expect(heading(page, "Vetting backlog")).to_be_visible()
    axe.check(page, "backlog report")
    page.get_by_role("link", name="Back to vetting review").click()
    page.get_by_role("link", name="Review rubric").click()
    expect(heading(page, "Review rubric")).to_be_visible()
    axe.check(page, "review rubric")
    page.get_by_role("link", name="Back to vetting review").click()
    page.get_by_role("link", name="Reviewers").click()
    expect(heading(page, "Privacy reviewers")).to_be_visible()
    axe.check(page, "reviewers")
    sign_out(page)

    open_request(page, "johnson")
    expect(page.locator("dl.facts").first).to_contain_text("Approved")
    expect(page.get_by_text(KIM_NOTE)).to_have_count(0)
    axe.check(page, "request page of the requester, approved")
    axe.assert_clean()
