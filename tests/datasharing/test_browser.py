"""In a real browser: a parent finds 'Who has my child's data' from the child page, and the
privacy office keeps the calendar and reads the audit log; every page checked with axe-core."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from consent.core import clock
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, sign_out

pytestmark = pytest.mark.browser


def test_data_page_and_calendar_in_the_browser(page: Page, app, demo):
    axe = Axe()
    with app.app_context():
        today = clock.today()
    free_day = today + timedelta(days=(7 - today.weekday()) + 7 * 30)  # a Monday, far ahead

    # A teacher opens Sofia's page: that read is what Maria will see.
    sign_in(page, "johnson")
    page.goto(f"/students/{demo.students['sofia']}")
    expect(heading(page, "Sofia Garcia")).to_be_visible()
    sign_out(page)

    sign_in(page, "maria")
    page.get_by_role("link", name="Sofia Garcia").click()
    page.get_by_role("link", name="Who has Sofia's data").click()
    expect(heading(page, "Who has Sofia's data")).to_be_visible()
    companies = page.get_by_role("table", name="Companies that received data")
    zoom = companies.get_by_role("row").filter(has_text="Zoom")
    expect(zoom).to_contain_text("Zoom Communications, Inc.")
    expect(zoom).to_contain_text("School official (FERPA 99.31(a)(1))")
    expect(companies.get_by_role("row").filter(has_text="Flip")).to_have_count(0)
    viewers = page.get_by_role("table", name="School staff who viewed Sofia's record")
    expect(viewers.get_by_role("row").filter(has_text="Teacher").first).to_contain_text(
        "Your child's page"
    )
    expect(viewers).not_to_contain_text("Johnson")
    axe.check(page, "who has my child's data")
    sign_out(page)

    sign_in(page, "lee")
    menu_link(page, "Calendar").click()
    expect(heading(page, "District calendar")).to_be_visible()
    axe.check(page, "calendar")

    page.get_by_label("First day closed").fill(free_day.isoformat())
    page.get_by_label("Last day closed (optional)").fill((free_day - timedelta(days=1)).isoformat())
    page.get_by_label("Reason").fill("Snow day")
    page.get_by_role("button", name="Add closure").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("The last day must be on or after the first day.")
    axe.check(page, "calendar with an error")

    page.get_by_label("Last day closed (optional)").fill("")
    page.get_by_role("button", name="Add closure").click()
    expect(page.get_by_role("status")).to_contain_text("1 school day closed.")
    page.get_by_role("link", name="Show earlier years too").click()
    row = page.get_by_role("row").filter(has_text="Snow day")
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("a school day again?")
    axe.check(page, "closure removal confirmation")
    page.get_by_role("button", name="Yes, remove it").click()
    expect(page.get_by_role("status")).to_contain_text("is a school day again.")

    menu_link(page, "Audit log").click()
    expect(heading(page, "Audit log")).to_be_visible()
    page.get_by_label("Action").fill("calendar.")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("table")).to_contain_text("calendar.closure_remove")
    axe.check(page, "audit log")

    axe.assert_clean()
