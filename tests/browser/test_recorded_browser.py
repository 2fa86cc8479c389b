"""In a real browser: a teacher records an opt-out a mother asked for by phone, the mother sees
it with who recorded it and can withdraw it, and a relative sees the child with no dead
buttons. Each page is checked with axe-core, and the new pages at 320 px."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journey import Axe, _context, heading, sign_in, sign_out, wider_than_a_phone

pytestmark = pytest.mark.browser

NO_PHOTOS = "Post work without photos or videos of my child"


def test_a_teacher_records_a_phone_opt_out_and_the_guardian_sees_it(page: Page, demo):  # noqa: F811
    axe = Axe()
    sign_in(page, "johnson")
    page.goto(f"/students/{demo.students['sofia']}")
    page.get_by_role("link", name="Record an opt-out for this family").click()
    expect(heading(page, "Record an opt-out for Sofia Garcia's family")).to_be_visible()
    axe.check(page, "choose a tool to record")
    page.get_by_role("link", name="Seesaw").click()
    expect(heading(page, "Record an opt-out of Seesaw for Sofia Garcia")).to_be_visible()
    axe.check(page, "record form")

    # Forgot the accommodation: told, nothing saved, answers kept.
    page.get_by_label("Maria Garcia").check()
    page.get_by_label("By phone").check()
    page.get_by_label("What to opt out of").select_option(label="Photos and videos of my child")
    page.get_by_label("Note (optional)").fill("Mrs. Garcia called before school.")
    page.get_by_role("button", name="Record the opt-out").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose what should happen instead.")
    expect(page.get_by_label("Maria Garcia")).to_be_checked()
    axe.check(page, "record form with an error")

    page.get_by_label(NO_PHOTOS).check()
    page.get_by_role("button", name="Record the opt-out").click()
    expect(page.get_by_text("The opt-out is recorded and sent")).to_be_visible()
    expect(page.get_by_text("recorded by school staff")).to_be_visible()
    expect(page.locator("ol.timeline")).to_contain_text("for Maria Garcia")
    axe.check(page, "request page after recording")
    page.get_by_role("link", name="Print a receipt for the family").click()
    expect(heading(page, "Receipt for your opt-out request")).to_be_visible()
    expect(page.get_by_text("Emily Johnson recorded this request for you")).to_be_visible()
    axe.check(page, "printable receipt")
    sign_out(page)

    sign_in(page, "maria")
    page.get_by_role("link", name="Messages").click()
    expect(
        page.get_by_text("The school recorded your request for Sofia about Seesaw")
    ).to_be_visible()
    page.goto(f"/students/{demo.students['sofia']}")
    page.get_by_role("link", name="Seesaw — Photos and videos of my child").click()
    expect(page.locator("ol.timeline")).to_contain_text("Emily Johnson")
    expect(page.locator("ol.timeline")).to_contain_text("for Maria Garcia")
    expect(page.get_by_role("link", name="Withdraw this request")).to_be_visible()
    axe.check(page, "guardian's view of the recorded request")
    axe.assert_clean()


def test_a_relative_sees_no_dead_buttons(page: Page, demo):  # noqa: F811
    axe = Axe()
    sign_in(page, "grace")
    page.goto(f"/students/{demo.students['ava']}")
    expect(page.get_by_role("heading", name="Who can decide for Ava")).to_be_visible()
    expect(page.get_by_text("James Chen")).to_be_visible()
    expect(page.get_by_role("link", name="Opt out of Seesaw")).to_have_count(0)
    expect(page.get_by_role("heading", name="Online tools Ava uses")).to_be_visible()
    axe.check(page, "relative's child page")
    page.goto("/optouts/new")
    expect(page.get_by_text("only a parent or guardian with rights can ask")).to_be_visible()
    axe.check(page, "relative's choose a child")
    axe.assert_clean()


def test_the_recording_pages_reflow_at_320_px(chromium, live_server, demo):  # noqa: F811
    context = _context(chromium, live_server, viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        sign_in(page, "brooks")
        wide = wider_than_a_phone(
            page,
            (
                f"/students/{demo.students['sofia']}/optouts/record",
                f"/students/{demo.students['sofia']}/optouts/record?tool={demo.tools['seesaw']}",
                f"/requests/{demo.optouts['confirmed']}/printable",
            ),
        )
        assert not wide, f"pages scroll sideways at 320 px (scrollWidth): {wide}"
    finally:
        context.close()
