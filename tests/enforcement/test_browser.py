"""The privacy office checks a vendor's roster in a real browser: found from the main menu, a
bad file announced, the result page with the student still there; the family then reads the
line on the request. Every page checked with axe-core (WCAG 2.1 A/AA, 0 violations), and the
office's pages and the family's request at 320 px without sideways scrolling."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, wider_than_a_phone

pytestmark = pytest.mark.browser


def test_the_office_checks_a_roster_and_the_family_reads_the_line(page: Page, demo, tmp_path):
    axe = Axe()
    sign_in(page, "lee")
    menu_link(page, "Vendor roster checks").click()
    expect(heading(page, "Vendor roster checks")).to_be_visible()
    axe.check(page, "roster checks, none yet")

    bad = tmp_path / "bad.csv"
    bad.write_text("name,grade\nAna,7\n")
    page.get_by_label("Tool").select_option(label="Khan Academy (Khan Academy, Inc.)")
    page.get_by_label("The vendor's roster export").set_input_files(str(bad))
    page.get_by_role("button", name="Check the roster").click()
    expect(page.get_by_role("alert")).to_contain_text("is neither a OneRoster users.csv")
    axe.check(page, "roster check with an error")

    good = tmp_path / "khan.csv"
    good.write_text("sourcedId\nstudent-mateo\nstudent-elijah\n")
    page.get_by_label("Tool").select_option(label="Khan Academy (Khan Academy, Inc.)")
    page.get_by_label("The vendor's roster export").set_input_files(str(good))
    page.get_by_role("button", name="Check the roster").click()
    expect(heading(page, "Khan Academy, Inc.'s roster for Khan Academy")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Mateo Garcia")).to_be_visible()
    axe.check(page, "roster check result")
    result = page.url
    page.set_viewport_size({"width": 320, "height": 800})
    assert wider_than_a_phone(page, [result, "/roster-checks"]) == {}
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/roster-checks")
    axe.check(page, "roster checks list")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "maria")
    page.goto(f"/requests/{demo.optouts['in_progress']}")
    line = page.get_by_text("Checked against the vendor's roster: the student is still in it")
    expect(line).to_be_visible()
    axe.check(page, "the family's request with the check")
    page.set_viewport_size({"width": 320, "height": 800})
    assert wider_than_a_phone(page, [f"/requests/{demo.optouts['in_progress']}"]) == {}
    axe.assert_clean()
