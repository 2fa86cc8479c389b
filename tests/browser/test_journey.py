"""The opt-out journey in a real browser (headless Chromium against the live server), the pages
checked with axe-core for WCAG 2.1 A/AA, the child page at 320 px, and form errors announced.

One browser per module and a fresh context per test (the `chromium` and `page` fixtures in
tests/conftest.py); each test gets a fresh demo district (and so its own live server) and a
fresh browser context. Everything is found the way a person finds it: by role and label."""

import importlib.resources
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from consent.demo.operations import DEMO_PASSWORD
from tests.browser.menu import menu_link
from tests.support import PERSONAS, browser_context, second_factor_code

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_SOURCE = (
    importlib.resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")
)
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""

SEESAW_PHOTOS = "Photos and videos of my child"
NO_PHOTOS = "Post work without photos or videos of my child"
ALTERNATIVE = "Alternative activity"
JOHNSON_NOTE = "Sofia will photograph her work without her face in the picture."
KIM_NOTE = "In Science, Sofia's journal entries will be drawings only."


# --- fixtures and helpers ------------------------------------------------------------------


def _context(chromium: Browser, base_url: str, **options) -> BrowserContext:
    return browser_context(chromium, base_url, **options)


def wider_than_a_phone(page: Page, paths) -> dict[str, int]:
    """Each of `paths` that scrolls sideways in a 320 px viewport, with its width."""
    wide = {}
    for path in paths:
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 321:
            wide[path] = width
    return wide


def sign_in(page: Page, persona: str) -> None:
    page.goto("/signin")
    page.get_by_label("Email", exact=True).fill(PERSONAS[persona])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    answer_second_step(page, PERSONAS[persona])
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def answer_second_step(page: Page, email: str) -> None:
    """The privacy officer and principals confirm with the code of the demo's published key."""
    page.wait_for_load_state()
    if page.url.split("?")[0].endswith("/signin/code"):
        page.get_by_label("Code", exact=True).fill(second_factor_code(APP[0], email))
        page.get_by_role("button", name="Continue").click()


# The app the live server serves, for the codes of the second step.
APP = [None]


@pytest.fixture(autouse=True)
def _app_for_codes(app):
    APP[0] = app


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()


def heading(page: Page, name: str):
    return page.get_by_role("heading", level=1, name=name)


def status_of_request(page: Page):
    """The "Status" fact on a request page."""
    return page.locator("dl.facts dt", has_text=re.compile(r"^Status$")).locator("+ dd")


class Axe:
    """Runs axe-core on each page it is shown and keeps every WCAG 2.1 A/AA violation."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, page: Page, what: str) -> None:
        page.wait_for_load_state()
        page.add_script_tag(content=AXE_SOURCE)
        violations = page.evaluate(AXE_RUN, AXE_TAGS)
        for v in violations:
            targets = "\n      ".join(v["targets"])
            self.problems.append(
                f"{what} ({page.url}): {v['id']} [{v['impact']}] {v['help']}\n      {targets}"
            )

    def assert_clean(self) -> None:
        assert not self.problems, "axe found WCAG 2.1 A/AA violations:\n" + "\n".join(self.problems)


def file_seesaw_photos_optout(page: Page) -> None:
    """From Sofia's page, the way Maria does it: the form, the review, then send."""
    page.get_by_role("link", name="Opt out of Seesaw").click()
    expect(heading(page, "Opt Sofia out of Seesaw")).to_be_visible()
    page.get_by_label("What to opt out of").select_option(label=SEESAW_PHOTOS)
    page.get_by_label(NO_PHOTOS).check()
    page.get_by_role("button", name="Review my request").click()
    expect(heading(page, "Check your request before you send it")).to_be_visible()


# --- 1. the whole journey -------------------------------------------------------------------


def test_opt_out_journey_from_guardian_to_teachers_to_principal_and_back(page: Page):
    # Maria files the request for Sofia.
    sign_in(page, "maria")
    expect(heading(page, "My children")).to_be_visible()
    expect(page.get_by_role("link", name="Sofia Garcia")).to_be_visible()
    expect(page.get_by_role("link", name="Mateo Garcia")).to_be_visible()
    page.get_by_role("link", name="Sofia Garcia").click()
    expect(heading(page, "Sofia Garcia")).to_be_visible()
    file_seesaw_photos_optout(page)

    review = page.locator(".review")
    expect(review).to_contain_text("Sofia Garcia, Oakwood")
    expect(review).to_contain_text("Seesaw")
    expect(review).to_contain_text(SEESAW_PHOTOS)
    expect(review).to_contain_text(NO_PHOTOS)
    expect(review).to_contain_text("(none given)")
    page.get_by_role("button", name="Send request").click()

    expect(heading(page, "Your request is sent")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Reference number: \d+\."))).to_be_visible()
    receipt = page.locator("dl.facts")
    expect(receipt).to_contain_text(f"Seesaw — {SEESAW_PHOTOS}")
    expect(receipt).to_contain_text("Emily Johnson")
    expect(receipt).to_contain_text("David Kim")
    request_path = urlsplit(page.url).path.removesuffix("/receipt")
    sign_out(page)

    # Both of Sofia's teachers acknowledge and record their plan.
    for teacher, name, option, note in (
        ("johnson", "Emily Johnson", NO_PHOTOS, JOHNSON_NOTE),
        ("kim", "David Kim", ALTERNATIVE, KIM_NOTE),
    ):
        sign_in(page, teacher)
        expect(heading(page, "My tasks")).to_be_visible()
        row = page.get_by_role("row").filter(has_text="Sofia Garcia").filter(has_text=SEESAW_PHOTOS)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Submitted" if teacher == "johnson" else "In progress")
        row.get_by_role("link", name="Sofia Garcia").click()
        expect(heading(page, "Seesaw opt-out for Sofia Garcia")).to_be_visible()
        page.get_by_role("button", name="Acknowledge").click()
        expect(page.get_by_role("status")).to_contain_text("Acknowledged.")
        page.get_by_role("link", name="Record the plan").click()
        expect(heading(page, "Plan for Sofia Garcia: Seesaw")).to_be_visible()
        page.get_by_role("group", name="Accommodation").get_by_label(option).check()
        page.get_by_label("Note for the family and the principal").fill(note)
        page.get_by_role("button", name="Save plan").click()
        expect(page.get_by_role("status")).to_contain_text("Plan saved.")
        plan = page.get_by_role("listitem").filter(has_text=f"{name} — Plan recorded")
        expect(plan).to_contain_text(f"{option}. {note}")
        sign_out(page)

    # The principal confirms.
    sign_in(page, "brooks")
    expect(heading(page, "Opt-out requests")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Requests", exact=True
    ).click()
    row = page.get_by_role("row").filter(has_text="Sofia Garcia").filter(has_text=SEESAW_PHOTOS)
    row.get_by_role("link", name="Sofia Garcia").click()
    expect(heading(page, "Seesaw opt-out for Sofia Garcia")).to_be_visible()
    # Only a request with every plan recorded offers this button.
    page.get_by_role("button", name="Confirm the plan").click()
    expect(page.get_by_role("status")).to_contain_text("Confirmed.")
    expect(status_of_request(page)).to_have_text("Confirmed")
    sign_out(page)

    # Maria sees it confirmed, with both plans in the timeline.
    sign_in(page, "maria")
    page.get_by_role("link", name="Sofia Garcia").click()
    requests = page.get_by_role("table", name="Opt-out requests for Sofia")
    requests.get_by_role("link", name=f"Seesaw — {SEESAW_PHOTOS}").click()
    expect(heading(page, "Seesaw opt-out for Sofia Garcia")).to_be_visible()
    assert urlsplit(page.url).path == request_path
    expect(status_of_request(page)).to_have_text("Confirmed")
    timeline = page.locator("ol.timeline")
    expect(timeline.get_by_role("listitem")).to_have_count(7)
    expect(timeline).to_contain_text("Request filed")
    expect(timeline).to_contain_text("Teacher acknowledged")
    expect(timeline).to_contain_text(f"{NO_PHOTOS}. {JOHNSON_NOTE}")
    expect(timeline).to_contain_text(f"{ALTERNATIVE}. {KIM_NOTE}")
    expect(timeline).to_contain_text("Principal confirmed the plan")
    expect(page.get_by_role("link", name="Withdraw this request")).to_be_visible()


# --- 2. axe on the pages people use -------------------------------------------------------------


def test_guardian_pages_have_no_wcag_violations(page: Page, demo):
    axe = Axe()
    sofia, seesaw = demo.students["sofia"], demo.tools["seesaw"]

    page.goto("/signin")
    axe.check(page, "sign-in page")
    page.get_by_role("button", name="Sign in").click()  # empty: the page with errors
    expect(page.locator(".error").first).to_be_visible()
    axe.check(page, "sign-in page with errors")

    sign_in(page, "maria")
    axe.check(page, "my children")
    for path, what in (
        (f"/students/{sofia}", "child page"),
        (f"/tools/{seesaw}", "tool page"),
        ("/rights", "rights page"),
    ):
        page.goto(path)
        axe.check(page, what)

    page.goto(f"/students/{sofia}")
    page.get_by_role("link", name="Opt out of Seesaw").click()
    axe.check(page, "opt-out form")
    page.get_by_label("What to opt out of").select_option(label=SEESAW_PHOTOS)
    page.get_by_role("button", name="Review my request").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page, "opt-out form with errors")
    page.get_by_label(NO_PHOTOS).check()
    page.get_by_role("button", name="Review my request").click()
    axe.check(page, "review page")
    page.get_by_role("button", name="Send request").click()
    expect(heading(page, "Your request is sent")).to_be_visible()
    axe.check(page, "receipt page")
    page.get_by_role("link", name="Follow this request").click()
    axe.check(page, "request page")
    page.get_by_role("link", name="Withdraw this request").click()
    axe.check(page, "withdraw confirmation page")
    page.goto(f"/requests/{demo.optouts['confirmed']}")
    axe.check(page, "confirmed request page")
    page.goto("/inbox")
    axe.check(page, "inbox")

    axe.assert_clean()


def test_staff_pages_have_no_wcag_violations(page: Page, demo):
    axe = Axe()
    sign_in(page, "johnson")
    axe.check(page, "teacher's task list")
    page.goto(f"/requests/{demo.optouts['planned']}")
    axe.check(page, "teacher's request page")
    johnsons_task = page.locator("li[id^=task-]", has_text="Emily Johnson").get_attribute("id")
    page.goto(f"/tasks/{johnsons_task.removeprefix('task-')}/plan")
    expect(heading(page, "Plan for Ava Chen: Seesaw")).to_be_visible()
    axe.check(page, "plan form")
    page.get_by_role("button", name="Save plan").click()
    axe.check(page, "plan form after saving")
    page.goto("/sections")
    axe.check(page, "teacher's classes")
    sign_out(page)

    sign_in(page, "brooks")
    axe.check(page, "principal's request list")
    page.get_by_label("Status").select_option("planned")
    page.get_by_role("button", name="Show").click()
    axe.check(page, "principal's filtered request list")
    page.goto(f"/requests/{demo.optouts['planned']}")
    expect(page.get_by_role("button", name="Confirm the plan")).to_be_visible()
    axe.check(page, "principal's request page")
    page.get_by_role("link", name="Return to the teacher").click()
    axe.check(page, "return form")
    sign_out(page)

    sign_in(page, "lee")
    axe.check(page, "privacy office's request list")
    menu_link(page, "Roster import").click()
    axe.check(page, "roster import page")
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("alert")).to_be_visible()  # no file chosen
    axe.check(page, "roster import page with an error")
    menu_link(page, "Invitations").click()
    axe.check(page, "invitations page")

    axe.assert_clean()


# --- 3. reflow at 320 px -------------------------------------------------------------------------


def test_child_page_reflows_at_320_px(chromium, live_server, demo):
    context = _context(chromium, live_server, viewport={"width": 320, "height": 640})
    try:
        page = context.new_page()
        sign_in(page, "maria")
        wide = wider_than_a_phone(
            page,
            (
                f"/students/{demo.students['sofia']}",
                "/children",
                f"/students/{demo.students['sofia']}/optouts/new?tool={demo.tools['seesaw']}",
                f"/requests/{demo.optouts['confirmed']}",
            ),
        )
        assert not wide, f"pages scroll sideways at 320 px (scrollWidth): {wide}"
    finally:
        context.close()


# --- 4. form errors are announced ------------------------------------------------------------


def test_opt_out_form_errors_are_announced_and_answers_kept(page: Page, demo):
    sign_in(page, "maria")
    page.goto(f"/students/{demo.students['sofia']}/optouts/new?tool={demo.tools['seesaw']}")
    page.get_by_label("What to opt out of").select_option(label=SEESAW_PHOTOS)
    page.get_by_label("Reason (optional)").fill("We keep photos of our children private.")
    page.get_by_role("button", name="Review my request").click()

    message = "Choose what should happen instead."
    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="Please check your answers")).to_be_visible()
    expect(summary.get_by_role("link", name=message)).to_be_visible()

    group = page.get_by_role("group", name="What should happen instead")
    expect(group.get_by_text(message)).to_be_visible()
    expect(group).to_have_accessible_description(message)
    for option in (NO_PHOTOS, ALTERNATIVE):
        expect(group.get_by_label(option)).not_to_be_checked()

    expect(page.get_by_label("What to opt out of")).to_have_value("photos")
    expect(page.get_by_label("Reason (optional)")).to_have_value(
        "We keep photos of our children private."
    )

    # The summary's link takes the person to the field to fix.
    summary.get_by_role("link", name=message).click()
    expect(group.get_by_label(NO_PHOTOS)).to_be_focused()


def test_invitation_page_has_no_wcag_violations(page: Page, app, demo):
    from consent.accounts.invitations import make_token
    from consent.extensions import db
    from consent.roster.models import Guardian

    with app.app_context():
        token = make_token(guardian=db.session.get(Guardian, demo.guardians["robert"]))
        db.session.remove()
    axe = Axe()
    page.goto(f"/invitation/{token}")
    expect(heading(page, "Set up your account")).to_be_visible()
    axe.check(page, "invitation page")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page, "invitation page with errors")
    axe.assert_clean()
