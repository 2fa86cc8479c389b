"""In a real browser: a parent asks for a record to be corrected, the office refuses, the
parent asks for a hearing, the office sets it and records that the record is kept, and the
parent adds a statement of disagreement that then shows with the record and on the disclosure
form. Every page checked with axe-core; the family's pages at 320 px."""

import pytest
from playwright.sync_api import Page, expect

from consent.core import clock
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, sign_out, wider_than_a_phone

pytestmark = pytest.mark.browser

RECORD = "Attendance record for 3 March"
STATEMENT = "Ava was on the museum trip that day; the bus list proves it."


def status(page: Page):
    return page.locator("dl.facts dt", has_text="Status").first.locator("+ dd")


@pytest.mark.long
def test_records_request_through_hearing_and_statement(page: Page, app, demo):
    axe = Axe()
    with app.app_context():
        today = clock.today().isoformat()

    sign_in(page, "james")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Your rights").click()
    page.get_by_role("link", name="Ask to see or correct records").click()
    expect(heading(page, "Your children's school records")).to_be_visible()
    axe.check(page, "family records page")
    page.get_by_role("link", name="Ask to see or correct Ava's records").click()
    expect(heading(page, "Ask to see or correct Ava's records")).to_be_visible()
    axe.check(page, "new records request")

    # A correction with nothing said about what is wrong: the error is announced.
    page.get_by_label("Ask for a record to be corrected").check()
    page.get_by_label("Which record should be corrected?").fill(RECORD)
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("alert")).to_contain_text("Say what is wrong in the record.")
    axe.check(page, "new records request with an error")
    page.get_by_label("What is wrong in it?").fill("She was on a school trip, not absent.")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
    expect(status(page)).to_contain_text("Submitted")
    axe.check(page, "records request detail (family)")
    sign_out(page)

    sign_in(page, "lee")
    menu_link(page, "Records requests").click()
    expect(heading(page, "Records requests")).to_be_visible()
    axe.check(page, "records request list")
    page.get_by_role("link", name="Ava Chen").click()
    axe.check(page, "records request detail (office)")
    page.get_by_role("link", name="Decide on the correction").click()
    page.get_by_label("Refuse the amendment").check()
    page.get_by_label("Why it is refused (if refused)").fill("The register was signed that day.")
    axe.check(page, "decision form")
    page.get_by_role("button", name="Record the decision").click()
    expect(status(page)).to_contain_text("Correction refused")
    sign_out(page)

    sign_in(page, "james")
    page.goto("/records")
    page.get_by_role("link", name="Correct a record").click()
    expect(page.get_by_role("heading", name="Your right to a hearing")).to_be_visible()
    page.get_by_role("link", name="Ask for a hearing").click()
    axe.check(page, "hearing request confirmation")
    page.get_by_role("button", name="Yes, ask for a hearing").click()
    expect(status(page)).to_contain_text("Hearing requested")
    sign_out(page)

    sign_in(page, "lee")
    page.goto("/records-requests")
    page.get_by_role("link", name="Ava Chen").click()
    page.get_by_role("link", name="Set the hearing").click()
    page.get_by_label("Date of the hearing").fill(today)
    page.get_by_label("Hearing officer").fill("Dana Whitfield")
    axe.check(page, "hearing form")
    page.get_by_role("button", name="Set the hearing").click()
    expect(page.locator("dl.facts")).to_contain_text("Dana Whitfield")
    page.get_by_role("link", name="Record the hearing's outcome").click()
    page.get_by_label("Keep the record as it is").check()
    page.get_by_label("The decision and its reasons").fill("Two staff signed the register.")
    page.get_by_role("button", name="Record the outcome").click()
    expect(status(page)).to_contain_text("Record kept after the hearing")
    sign_out(page)

    sign_in(page, "james")
    page.goto("/records")
    page.get_by_role("link", name="Correct a record").click()
    page.get_by_role("link", name="Add my statement").click()
    axe.check(page, "statement form")
    page.get_by_label("Your statement").fill(STATEMENT)
    page.get_by_role("button", name="Add my statement to the record").click()
    statements = page.get_by_role(
        "region", name="Statements of disagreement kept with Ava's records"
    )
    expect(statements).to_contain_text(STATEMENT)
    timeline = page.locator("ol.timeline")
    for line in (
        "Request filed",
        "Correction refused",
        "The family asked for a hearing",
        "Hearing date set",
        "The hearing kept the record as it is",
        "The family's statement was added to the record",
    ):
        expect(timeline).to_contain_text(line)
    axe.check(page, "records request with a statement")

    # The family's pages reflow at 320 px.
    page.set_viewport_size({"width": 320, "height": 640})
    paths = ("/records", page.url, f"/students/{demo.students['ava']}/records-requests/new")
    assert not wider_than_a_phone(page, paths)
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_out(page)

    # Shown wherever the record is disclosed: the office's disclosure form for Ava.
    sign_in(page, "lee")
    page.goto(f"/students/{demo.students['ava']}")
    page.get_by_role("link", name="Record a disclosure of Ava's records").click()
    expect(
        page.get_by_role(
            "region", name="Statements of disagreement that must go with these records"
        )
    ).to_contain_text(STATEMENT)
    page.get_by_label("Who received the records").fill("Lincoln Middle School")
    page.get_by_label("Why the law allows it").select_option(label="Transfer to another school")
    page.get_by_label("The recipient's interest").fill("Ava enrolls there next term.")
    page.get_by_label("Which records").fill("Transcript and attendance")
    axe.check(page, "disclosure form")
    page.get_by_role("button", name="Record the disclosure").click()
    expect(page.get_by_role("status")).to_contain_text("The disclosure is recorded.")
    axe.check(page, "disclosure detail")
    sign_out(page)

    sign_in(page, "james")
    page.goto(f"/students/{demo.students['ava']}/data-sharing")
    table = page.get_by_role("table", name="Other disclosures of Ava's records")
    expect(table).to_contain_text("Lincoln Middle School")
    axe.check(page, "who has my child's data with a disclosure")

    axe.assert_clean()
