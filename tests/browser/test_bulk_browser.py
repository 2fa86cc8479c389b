"""Bulk actions in a real browser (headless Chromium against the live server), each page checked
with axe-core for WCAG 2.1 A/AA: the principal confirms several plans at once (list, review,
confirm), and a teacher enters a class's paper answers (one row per student, an error first)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journey import Axe, heading, sign_in
from tests.optouts.test_bulk import make_planned

pytestmark = pytest.mark.browser


def test_a_principal_confirms_several_plans_at_once(page: Page, app, demo):  # noqa: F811
    make_planned(app, demo, "maria", "sofia", "nearpod")
    axe = Axe()
    sign_in(page, "brooks")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Requests", exact=True
    ).click()
    page.get_by_role("link", name="Confirm several plans at once").click()
    expect(heading(page, "Confirm several plans")).to_be_visible()
    axe.check(page, "plans to confirm")

    page.get_by_role("button", name="Review the chosen requests").click()  # nothing chosen
    expect(page.locator(".error-summary")).to_contain_text("Choose at least one request")
    axe.check(page, "plans to confirm, nothing chosen")

    page.get_by_label("Ava Chen").check()
    page.get_by_label("Sofia Garcia").check()
    page.get_by_role("button", name="Review the chosen requests").click()
    expect(heading(page, "Check the plans before you confirm them")).to_be_visible()
    for name in ("Ava Chen — Seesaw (Photos and videos of my child)", "Sofia Garcia — Nearpod"):
        expect(page.get_by_role("heading", level=2, name=name)).to_be_visible()
    axe.check(page, "review of the plans")

    page.get_by_role("button", name="Confirm these requests").click()
    expect(page.get_by_role("status")).to_contain_text("2 requests confirmed.")
    expect(page.get_by_text("No request is waiting for your confirmation.")).to_be_visible()
    axe.check(page, "after confirming")
    axe.assert_clean()


def test_a_teacher_enters_a_class_s_paper_answers(page: Page, demo):  # noqa: F811
    axe = Axe()
    sign_in(page, "patel")
    page.goto(f"/sections/{demo.sections['english7']}")
    page.get_by_role("link", name="Enter paper answers to a consent form for this class").click()
    expect(heading(page, "Paper answers for English 7")).to_be_visible()
    axe.check(page, "the class's forms")
    page.get_by_role("link", name="Photos and videos in school publications").click()
    expect(
        heading(page, "Paper answers: Photos and videos in school publications, English 7")
    ).to_be_visible()
    axe.check(page, "the class's paper answers")

    mateo = page.get_by_role("group", name="Mateo Garcia", exact=True)
    olivia = page.get_by_role("group", name="Olivia Jones", exact=True)
    mateo.get_by_role("group", name="Answer for Mateo").get_by_label("No", exact=True).check()
    olivia.get_by_role("group", name="Answer for Olivia").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Record these answers").click()  # Mateo: who answered?
    expect(page.locator(".error-summary")).to_contain_text(
        "Mateo Garcia: Choose who answered for Mateo Garcia."
    )
    axe.check(page, "the class's paper answers, with an error")

    page.get_by_label("Who answered for Mateo").select_option(label="Luis Garcia")
    page.get_by_role("button", name="Record these answers").click()
    expect(page.get_by_role("status").first).to_contain_text("2 answers recorded.")
    mateo = page.get_by_role("group", name="Mateo Garcia", exact=True)
    expect(mateo).to_contain_text("Answer in force: No, permission refused")
    axe.check(page, "after recording")
    axe.assert_clean()
