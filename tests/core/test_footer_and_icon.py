"""Every page says how to reach the privacy office, in the words of who is reading, and the
browser's first load finds the site's icon (it used to log a 404 on every first visit)."""

from sqlalchemy import delete

from consent.extensions import db
from consent.notice.models import NoticeVersion


def test_the_footer_gives_the_annual_notice_s_contact_to_visitors(browser):
    """The demo's notice names the office's email; the settings' address is only a fallback."""
    page = browser.get("/signin").get_data(as_text=True)
    assert "Questions about your child" in page
    assert 'href="mailto:privacy@demo.consent.example"' in page
    assert 'href="mailto:privacy@example.org"' not in page


def test_staff_read_staff_wording(as_):
    page = as_("patel").get("/tasks").get_data(as_text=True)
    assert "Questions about student privacy?" in page
    assert "your child" not in page.split('<footer class="site-footer">')[1]


def test_without_a_notice_the_settings_give_the_contact(app):
    with app.app_context():
        db.session.execute(delete(NoticeVersion))
        db.session.commit()
    app.config.update(
        PRIVACY_OFFICE_EMAIL="privacy@district.example",
        PRIVACY_OFFICE_PHONE="410 555 0100",
        PRIVACY_OFFICE_ADDRESS="1 Main Street, Towson MD",
    )
    page = app.test_client().get("/signin").get_data(as_text=True)
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
