"""The privacy office registers a webhook in a real browser, from the integrations page, and
sees a delivery to a real receiver on its page; every page checked with axe-core for WCAG 2.1
A/AA (0 violations), the secret's page and the deliveries at 320 px wide."""

import pytest
from playwright.sync_api import Page, expect

from consent.extensions import db
from consent.webhooks.delivery import deliver_due
from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, heading, sign_in, wider_than_a_phone
from tests.rollover.helpers import confirm

pytestmark = pytest.mark.browser


def test_the_office_registers_a_webhook_and_sees_a_delivery(page: Page, hooks, demo, receiver):
    # This test is about the pages, not timeouts: a loaded machine may take longer than the
    # fault tests' half second for the receiver to answer.
    hooks.config["WEBHOOK_READ_TIMEOUT_SECONDS"] = 10.0
    axe = Axe()
    sign_in(page, "lee")
    menu_link(page, "Integrations").click()
    page.get_by_role("link", name="Webhooks").click()
    expect(heading(page, "Webhooks")).to_be_visible()
    axe.check(page, "webhooks, none yet")

    page.get_by_role("link", name="Register a webhook").click()
    expect(heading(page, "Register a webhook")).to_be_visible()
    axe.check(page, "new webhook form")
    page.get_by_role("button", name="Register the webhook").click()
    expect(page.get_by_text("Name the system that receives the events.").first).to_be_visible()
    expect(page.get_by_text("Choose at least one event to send.").first).to_be_visible()
    axe.check(page, "new webhook form with errors")

    page.get_by_label("Name of the system").fill("Rostering hub")
    page.get_by_label("Address the events are sent to").fill(receiver.url)
    page.get_by_label("An opt-out request is confirmed").check()
    page.get_by_label("About which students").select_option(label="Oakwood Elementary School")
    page.get_by_role("button", name="Register the webhook").click()
    expect(heading(page, "The webhook's secret")).to_be_visible()
    secret = page.get_by_label("Secret for Rostering hub").input_value()
    assert secret.startswith("whsec_")
    receiver.secret = secret
    axe.check(page, "secret shown once")
    page.set_viewport_size({"width": 320, "height": 800})
    axe.check(page, "secret shown once at 320 px")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name="I have copied it").click()
    expect(heading(page, "Rostering hub")).to_be_visible()
    detail_url = page.url
    expect(page.get_by_text("Nothing has been sent to this system yet.")).to_be_visible()
    assert secret not in page.content()
    axe.check(page, "webhook page, no deliveries")

    with hooks.app_context():
        confirm(demo, "planned", "brooks")  # Ava, at Oakwood
        db.session.commit()
        assert deliver_due().delivered == 1
        db.session.remove()
    [arrived] = receiver.received
    assert arrived.verified and arrived.event["type"] == "optout.confirmed"

    page.reload()
    expect(page.get_by_role("cell", name="Delivered")).to_be_visible()
    expect(page.get_by_text("answered 200", exact=False)).to_be_visible()
    expect(page.get_by_text(arrived.delivery_id)).to_be_visible()
    axe.check(page, "webhook page with a delivery")
    page.set_viewport_size({"width": 320, "height": 800})
    axe.check(page, "webhook page with a delivery at 320 px")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("link", name="Deactivate this webhook").click()
    expect(heading(page, "Deactivate the webhook of Rostering hub?")).to_be_visible()
    axe.check(page, "deactivate question")
    page.get_by_role("button", name="Deactivate the webhook").click()
    expect(page.get_by_text("The webhook is deactivated", exact=False)).to_be_visible()
    axe.check(page, "deactivated")
    page.get_by_role("link", name="Back to the webhooks").click()
    expect(page.get_by_role("cell", name="Deactivated")).to_be_visible()
    axe.check(page, "webhooks list")
    axe.assert_clean()

    # The office's pages reflow at 320 px (long addresses and ids wrap).
    page.set_viewport_size({"width": 320, "height": 640})
    paths = ("/integrations/webhooks", detail_url, "/integrations/webhooks/new")
    assert not wider_than_a_phone(page, paths)
