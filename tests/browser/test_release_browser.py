"""In a real browser (Debian chromium): a directory refusal reaches the teacher's class list and
the principal's do-not-release list; both pages and the staff student page pass axe-core and
reflow at 320 px."""

from playwright.sync_api import Page, expect

from tests.browser.test_journey import Axe, _context, heading, sign_in, sign_out, wider_than_a_phone


def test_a_refusal_reaches_the_class_list_and_the_do_not_release_list(page: Page, demo):  # noqa: F811
    axe = Axe()
    sign_in(page, "patel")
    page.goto(f"/sections/{demo.sections['english7']}")
    expect(heading(page, "English 7")).to_be_visible()
    table = page.locator("h3", has_text="Directory information at Riverside").locator(
        "+ .table-wrap"
    )
    olivia = table.locator("tr", has_text="Olivia Jones")
    expect(olivia).to_contain_text("Do not release")
    expect(table.locator("tr", has_text="Mateo Garcia")).to_contain_text(
        "no answer counts as yes on this opt-out form"
    )
    # Flip needs each parent's consent: every student's status, with what to do without it.
    flip = page.locator("h3", has_text="Consent for Flip in English 7").locator("+ .table-wrap")
    expect(flip.locator("tr", has_text="Mateo Garcia")).to_contain_text("Consented: may use Flip")
    expect(flip.locator("tr", has_text="Lucas Wilson")).to_contain_text(
        "Refused: use the alternative activity"
    )
    expect(flip.locator("tr", has_text="Olivia Jones")).to_contain_text(
        "No consent yet: use the alternative activity"
    )
    axe.check(page, "class list with answers and tool consents")
    sign_out(page)

    sign_in(page, "reed")
    page.goto("/consent-forms")
    page.get_by_role("link", name="Do-not-release list", exact=False).click()
    expect(heading(page, "Do not release")).to_be_visible()
    row = page.locator("tbody tr", has_text="Olivia Jones")
    expect(row).to_contain_text("Directory information at Riverside: Do not release")
    expect(page.get_by_role("heading", name="Forms this list follows")).to_be_visible()
    axe.check(page, "do-not-release list")
    page.goto("/do-not-release?day=not-a-day")
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page, "do-not-release list with an error")
    page.goto(f"/students/{demo.students['olivia']}")
    expect(page.locator("#releases-heading")).to_be_visible()
    axe.check(page, "staff student page with answers")
    sign_out(page)

    # The parent answers Flip's consent from the tool card on the child's page.
    sign_in(page, "patricia")
    page.goto(f"/students/{demo.students['olivia']}")
    card = page.locator("section.card", has=page.locator("h3", has_text="Flip"))
    expect(card).to_contain_text("No answer yet.")
    axe.check(page, "child page with a consent tool")
    card.get_by_role("link", name="Give or refuse consent to Flip").click()
    page.get_by_label("No, I do not give permission").check()
    page.get_by_role("button", name="Save my answer").click()
    expect(page.get_by_text("an opt-out request for Flip was sent", exact=False)).to_be_visible()
    axe.check(page, "consent refused from the tool card")
    page.goto(f"/students/{demo.students['olivia']}")
    expect(card).to_contain_text("Consent refused.")
    axe.assert_clean()


def test_release_pages_reflow_at_320_px(chromium, live_server, demo):  # noqa: F811
    context = _context(chromium, live_server, viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        sign_in(page, "reed")
        wide = wider_than_a_phone(
            page,
            (
                "/do-not-release",
                f"/sections/{demo.sections['english7']}",
                f"/students/{demo.students['olivia']}",
            ),
        )
        assert not wide, f"pages scroll sideways at 320 px (scrollWidth): {wide}"
    finally:
        context.close()
