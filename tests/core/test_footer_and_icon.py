"""Every page says how to reach the privacy office, in the words of who is reading, and the
browser's first load finds the site's icon (it used to log a 404 on every first visit)."""

import pytest

from tests.support import make_app


def test_the_footer_gives_the_configured_contact_to_visitors(browser):
    page = browser.get("/signin").get_data(as_text=True)
    assert "privacy? Contact the district privacy office:" in page
    assert "Questions about your child" in page
    assert 'href="mailto:privacy@example.org"' in page


def test_staff_read_staff_wording(as_):
    page = as_("patel").get("/tasks").get_data(as_text=True)
    assert "Questions about student privacy?" in page
    assert "your child" not in page.split('<footer class="site-footer">')[1]


@pytest.fixture
def contact_app(migrated):
    return make_app(
        migrated,
        PRIVACY_OFFICE_EMAIL="privacy@district.example",
        PRIVACY_OFFICE_PHONE="410 555 0100",
        PRIVACY_OFFICE_ADDRESS="1 Main Street, Towson MD",
    )


def test_phone_and_address_show_when_the_district_sets_them(contact_app):
    page = contact_app.test_client().get("/signin").get_data(as_text=True)
    assert 'href="mailto:privacy@district.example"' in page
    assert 'href="tel:4105550100"' in page
    assert "1 Main Street, Towson MD" in page


def test_every_page_names_an_icon_that_exists(browser):
    page = browser.get("/signin").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    icon = browser.get("/static/favicon.svg", buffered=True)
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()
