"""In a real browser: the privacy office sets the year-end rule, reads the rollover preview,
confirms it, and a mother finds the message in her inbox. Each page is checked with axe-core,
and the page at 320 px."""

import pytest
from playwright.sync_api import Page, expect

from consent.rollover.rules import next_school_year
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, _context, heading, sign_in, sign_out
from tests.rollover.helpers import this_year

pytestmark = pytest.mark.browser


def fact(page: Page, name: str):  # noqa: F811
    return page.locator("dl.facts dt", has_text=name).locator("+ dd")


def test_the_office_previews_and_confirms_the_rollover(page: Page, app, demo):  # noqa: F811
    with app.app_context():
        year, into = this_year(), next_school_year(this_year())
    axe = Axe()
    sign_in(page, "lee")
    menu_link(page, "Year rollover").click()
    expect(heading(page, "School-year rollover")).to_be_visible()
    expect(page.get_by_role("heading", name=f"The {year} school year into {into}")).to_be_visible()
    expect(page.get_by_text("Preview: nothing has changed yet.")).to_be_visible()
    expect(fact(page, "Opt-outs carried into the new year")).to_have_text("1")
    expect(fact(page, "Opt-outs ended with the year")).to_have_text("0")
    axe.check(page, "rollover preview")

    # The rule for all tools: end; Zoom keeps its opt-outs.
    page.get_by_label("End them with the school year").check()
    page.get_by_role("button", name="Save the rule for all tools").click()
    expect(page.get_by_text("The rule for all tools is saved.")).to_be_visible()
    expect(fact(page, "Opt-outs ended with the year")).to_have_text("1")
    page.get_by_label("Tool", exact=True).select_option(label="Zoom")
    page.get_by_label("Its confirmed opt-outs at the end of the school year").select_option(
        label="Carry them into the new school year"
    )
    page.get_by_role("button", name="Save the rule for this tool").click()
    expect(page.get_by_text("The rule for Zoom is saved.")).to_be_visible()
    expect(fact(page, "Opt-outs carried into the new year")).to_have_text("1")
    expect(page.get_by_role("table", name="Confirmed opt-outs by tool")).to_contain_text(
        "Carry them into the new school year"
    )
    axe.check(page, "rollover preview with rules")

    page.get_by_role("button", name="Roll the school year over").click()
    expect(page.get_by_text(f"The {year} school year is rolled over.")).to_be_visible()
    expect(page.get_by_text("This school year was rolled over on")).to_be_visible()
    expect(page.get_by_role("button", name="Roll the school year over")).to_have_count(0)
    axe.check(page, "rollover done")
    sign_out(page)

    sign_in(page, "maria")  # English here: Spanish is offered in tests/i18n
    page.get_by_role("link", name="Messages").click()
    expect(page.get_by_text(f"Your children's opt-outs in the {into} school year")).to_be_visible()
    axe.check(page, "inbox with the rollover message")
    axe.assert_clean()


def test_the_rollover_page_reflows_at_320_px(chromium, live_server):  # noqa: F811
    context = _context(chromium, live_server, viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        sign_in(page, "lee")
        page.goto("/rollover")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 321, f"/rollover scrolls sideways at 320 px: {width}"
    finally:
        context.close()
