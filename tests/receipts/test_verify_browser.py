"""The privacy office checks receipts in a real browser: found from the main navigation, an
empty code announced as an error, then an unknown, a genuine and a changed code, each result
page checked with axe-core for WCAG 2.1 A/AA (0 violations) and at 320 px wide."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from consent.accounts.models import Account
from consent.consentforms import operations as forms
from consent.consentforms.models import Answer, ConsentForm
from consent.extensions import db
from consent.receipts.codes import grouped
from consent.receipts.models import Receipt
from consent.roster.models import Student
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in

pytestmark = pytest.mark.browser


def _answer(app, demo, form_id: int, answer: Answer) -> str:
    """Maria answers for Sofia through the operation; the code of her receipt."""
    with app.app_context():
        maria = db.session.get(Account, demo.accounts["maria"])
        outcome = forms.answer_form(
            actor=maria,
            form=db.session.get(ConsentForm, form_id),
            student=db.session.get(Student, demo.students["sofia"]),
            answer=answer,
        )
        db.session.commit()
        return db.session.scalar(
            select(Receipt.code).where(Receipt.answer_event_id == outcome.given.id)
        )


def test_the_office_checks_codes_and_every_result_is_accessible(page: Page, app, demo, make_form):
    form_id = make_form()
    code = _answer(app, demo, form_id, Answer.REFUSED)
    axe = Axe()

    sign_in(page, "lee")
    menu_link(page, "Check a receipt").click()
    expect(heading(page, "Check a receipt")).to_be_visible()
    axe.check(page, "verify form")

    page.get_by_role("button", name="Check the code").click()
    expect(page.get_by_text("Enter the code printed on the receipt.").first).to_be_visible()
    axe.check(page, "verify form with an error")

    page.get_by_label("Verification code").fill("ZZZZ-ZZZZ-ZZZZ")
    page.get_by_role("button", name="Check the code").click()
    expect(page.get_by_role("heading", name="No decision matches this code")).to_be_visible()
    axe.check(page, "unknown code")

    page.get_by_label("Verification code").fill(grouped(code).lower())
    page.get_by_role("button", name="Check the code").click()
    expect(
        page.get_by_role("heading", name="Genuine: the decision stands as the receipt says")
    ).to_be_visible()
    expect(page.get_by_text("No, permission refused").first).to_be_visible()
    axe.check(page, "genuine code")

    _answer(app, demo, form_id, Answer.GRANTED)
    page.get_by_label("Verification code").fill(grouped(code))
    page.get_by_role("button", name="Check the code").click()
    expect(
        page.get_by_role("heading", name="Genuine, but this decision has changed since the receipt")
    ).to_be_visible()
    axe.check(page, "changed code")
    page.set_viewport_size({"width": 320, "height": 800})
    axe.check(page, "changed code at 320 px")
    axe.assert_clean()
