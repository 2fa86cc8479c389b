"""In a real browser: on her 18th birthday Olivia follows the invitation in her email, chooses a
password, and sees her own school records, nobody else's, with the right to decide; then her
mother signs in and no longer finds her. Every page checked with axe-core; her pages at 320 px."""

import pytest
from playwright.sync_api import Page, expect

from tests.accounts.accounts_helpers import mail_ready
from tests.browser.test_journey import Axe, heading, sign_in, sign_out
from tests.rights.helpers import INVITATION_RE, turn_eighteen
from tests.rights.test_notices import bodies_to, deliver

pytestmark = pytest.mark.browser

PASSWORD = "a long student password"
OLIVIA = "olivia.jones@student.demo.consent.example"


def test_the_eligible_students_first_sign_in_and_their_page(page: Page, app, smtp, demo):
    axe = Axe()
    mail_ready(app, smtp)
    turn_eighteen(app, demo.students["olivia"], email=OLIVIA)
    deliver(app)
    (text,) = bodies_to(smtp, OLIVIA)
    invitation = INVITATION_RE.search(text).group(1)

    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(invitation)
    expect(heading(page, "Set up your account")).to_be_visible()
    axe.check(page, "invitation")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Type the new password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.goto("/children")
    expect(heading(page, "My school records")).to_be_visible()
    expect(page.get_by_role("link", name="Olivia Jones")).to_be_visible()
    expect(page.get_by_role("link", name="Mateo Garcia")).to_have_count(0)
    axe.check(page, "the eligible student's start page")
    page.get_by_role("link", name="Olivia Jones").click()
    expect(heading(page, "Olivia Jones")).to_be_visible()
    expect(page.get_by_role("link", name="Ask to see or correct Olivia's records")).to_be_visible()
    axe.check(page, "the eligible student's own page")
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_out(page)

    sign_in(page, "patricia")
    expect(heading(page, "My children")).to_be_visible()
    expect(page.get_by_role("link", name="Olivia Jones")).to_have_count(0)
    axe.check(page, "a parent's start page after the 18th birthday")
    axe.assert_clean()
