"""A guideline use in a real browser: the office writes the checklist; Ms. Johnson answers it
for Room 12 (first with one item not holding, then every item); Maria sees Wordwall on Sofia's
page as being reviewed, with what the teacher confirmed; the committee reviews Wordwall (here
through the operations), the office declines it and the use ends. Every page on the way is
checked with axe-core for WCAG 2.1 A/AA."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, sign_out, wider_than_a_phone
from tests.guidelines.helpers import CHECKLIST, wordwall
from tests.support import browser_context
from tests.vetting.committee import reviewed

pytestmark = pytest.mark.browser


@pytest.mark.long
def test_a_guideline_use_ends_when_the_tool_is_declined(app, demo, page: Page):
    axe = Axe()
    sign_in(page, "lee")
    menu_link(page, "Use guidelines").click()
    expect(heading(page, "General Use Guidelines")).to_be_visible()
    axe.check(page, "guidelines")
    page.get_by_label("The guidelines, one a line").fill("\n".join(CHECKLIST))
    page.get_by_role("button", name="Save the guidelines").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(
        page.get_by_role("listitem").filter(has_text="Students create no account")
    ).to_be_visible()
    axe.check(page, "guidelines")
    sign_out(page)

    sign_in(page, "johnson")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Tools in my classes"
    ).click()
    page.get_by_role("link", name="Grade 4 - Room 12").click()
    page.get_by_role("link", name="Use a tool that is waiting for review").click()
    expect(heading(page, "Use a tool waiting for review in Grade 4 - Room 12")).to_be_visible()
    axe.check(page, "guideline checklist")
    page.get_by_label("Tool waiting for review").select_option(label="Wordwall")
    for statement in CHECKLIST[:-1]:
        page.get_by_label(statement).check()
    page.get_by_role("button", name="Use it in this class").click()
    expect(page.get_by_role("alert")).to_contain_text("must wait for the committee")
    axe.check(page, "guideline checklist, one item not holding")
    page.get_by_label(CHECKLIST[-1]).check()
    page.get_by_role("button", name="Use it in this class").click()
    expect(page.get_by_role("status")).to_contain_text("Wordwall is in use in Grade 4 - Room 12")
    expect(page.get_by_role("row").filter(has_text="Wordwall")).to_contain_text("Being reviewed")
    axe.check(page, "class tools with a guideline use")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Guideline uses").click()
    expect(page.get_by_role("row").filter(has_text="Room 12")).to_contain_text(
        "Guideline use, pending review"
    )
    axe.check(page, "guideline uses, pending")
    sign_out(page)

    sign_in(page, "maria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My children").click()
    page.get_by_role("link", name="Sofia").first.click()
    card = page.locator("section.card").filter(has=page.get_by_role("heading", name="Wordwall"))
    expect(card).to_contain_text("Being reviewed.")
    expect(card).to_contain_text("Students create no account")
    axe.check(page, "child page with a tool being reviewed")
    sign_out(page)
    reviewed(app, demo, wordwall(app))

    sign_in(page, "lee")
    menu_link(page, "Vetting").click()
    page.get_by_role("link", name="Wordwall").click()
    page.get_by_role("link", name="Decide").click()
    page.get_by_role("group", name="Decision").get_by_label("Do not approve").check()
    page.get_by_label("Note to the requester").fill("It shows advertising to children.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_role("status")).to_contain_text("Decision recorded")
    menu_link(page, "Guideline uses").click()
    expect(page.get_by_text("No tool is in use under the guidelines.")).to_be_visible()
    page.get_by_role("link", name="Decided", exact=True).click()
    for row in page.get_by_role("row").filter(has_text="Wordwall").all():
        expect(row).to_contain_text("Not approved: the use ended")
    axe.check(page, "guideline uses, decided")
    sign_out(page)

    sign_in(page, "maria")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My children").click()
    page.get_by_role("link", name="Sofia").first.click()
    expect(page.get_by_role("heading", name="Wordwall")).to_have_count(0)
    axe.assert_clean()


def test_the_new_pages_reflow_at_320_px(chromium, live_server, demo):
    context = browser_context(chromium, live_server, viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        sign_in(page, "lee")
        wide = wider_than_a_phone(
            page,
            ("/guidelines", "/guideline-uses", "/guideline-uses?settled=1", "/vetting/rereviews"),
        )
        sign_out(page)
        sign_in(page, "kim")
        wide |= wider_than_a_phone(
            page,
            (
                f"/sections/{demo.sections['room15']}/guideline-use",
                f"/students/{demo.students['noah']}",
            ),
        )
        assert not wide, f"pages scroll sideways at 320 px (scrollWidth): {wide}"
    finally:
        context.close()
