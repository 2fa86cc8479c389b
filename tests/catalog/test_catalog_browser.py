"""The privacy office edits a tool in a real browser: a mistake explained on the form, the
fix saved, the history, the family's view of the change, each page checked with axe-core."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_the_office_edits_a_tool_and_the_family_sees_the_change(page: Page):  # noqa: F811
    axe = Axe()
    page.goto("/catalog")
    expect(heading(page, "Online tools approved by the district")).to_be_visible()
    axe.check(page, "public catalog")

    sign_in(page, "lee")
    menu_link(page, "Tool catalog").click()
    expect(heading(page, "Tool catalog")).to_be_visible()
    axe.check(page, "staff catalog list")
    page.get_by_role("link", name="Edit Zoom").click()
    expect(heading(page, "Edit Zoom")).to_be_visible()
    axe.check(page, "edit form")

    # A mistake: the agreement ends before it was signed. Nothing is saved; the summary says why.
    page.get_by_label("Agreement ends on").fill("2020-01-01")
    page.get_by_label("Student Survey Responses", exact=True).check()
    page.get_by_label("In plain words: Student Survey Responses").fill(
        "answers to in-meeting polls"
    )
    page.get_by_role("button", name="Save tool").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The agreement must end after the date it was signed.")
    expect(summary).to_contain_text("Nothing was saved.")
    expect(page.get_by_label("Agreement ends on")).to_have_attribute("aria-invalid", "true")
    axe.check(page, "edit form with an error")

    # The summary's link takes the keyboard to the field; fix it and save.
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Agreement ends on")).to_be_focused()
    page.get_by_label("Agreement ends on").fill("2030-06-30")
    expect(page.get_by_label("Student Survey Responses", exact=True)).to_be_checked()
    page.get_by_role("button", name="Save tool").click()
    expect(heading(page, "History of Zoom")).to_be_visible()
    expect(page.get_by_text("8 guardians will be told")).to_be_visible()
    change = page.get_by_role("region", name="Change 1")
    expect(change).to_contain_text("Karen Lee")
    expect(change).to_contain_text("Collects: Student Survey Responses")
    expect(change).to_contain_text("answers to in-meeting polls")
    axe.check(page, "history")
    sign_out(page)

    sign_in(page, "maria")
    page.get_by_role("link", name="Sofia Garcia").click()
    changes = page.get_by_role("region", name="Changes to Sofia's tools")
    expect(changes).to_contain_text("Now collects: Student Survey Responses.")
    axe.check(page, "child page with a tool change")
    axe.assert_clean()


def test_every_field_with_an_error_gets_the_red_border(page: Page):  # noqa: F811
    """Text boxes and date boxes, not only text areas, are outlined in red when their answer
    is wrong, and the errors name their field (issue 15)."""
    axe = Axe()
    sign_in(page, "lee")
    page.goto("/tools/new")
    page.get_by_label("Agreement signed on").fill("2030-01-01")
    page.get_by_role("button", name="Save tool").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Give the tool's name.")
    expect(summary).to_contain_text("Say in plain words what the tool is for.")
    expect(summary).not_to_contain_text("This field is required.")
    # The answer page's text is there before its stylesheet is: read the borders once it is
    # applied (a busy machine once showed Chromium's own grey 2px border on the first box).
    page.wait_for_load_state("load")
    borders = {
        label: page.get_by_label(label, exact=True).evaluate(
            "e => [getComputedStyle(e).borderTopColor, getComputedStyle(e).borderTopWidth]"
        )
        for label in ("Tool name", "What it is for, in plain words", "Agreement signed on")
    }
    assert set(map(tuple, borders.values())) == {("rgb(176, 0, 32)", "2px")}, borders
    axe.check(page, "tool form with errors")
    axe.assert_clean()
