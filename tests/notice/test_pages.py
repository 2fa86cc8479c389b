"""The office edits the notice per language through the form; each save is a version with its
history; families read the current version (in their language, or the English one with a note)
on the rights page and the district's contacts in every page's footer."""

import pytest
from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.notice.models import NoticeVersion
from tests.i18n.support import text_of
from tests.notice.helpers import NOTICE, SPANISH, versions


@pytest.fixture(autouse=True)
def spanish_offered(app):
    app.config["LANGUAGES"] = ("en", "es")


def audit_actions(app) -> list[str]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        db.session.remove()
    return found


def test_the_demo_has_a_first_english_version_naming_the_office(app, browser):
    (first,) = versions(app, "en")
    assert first.number == 1 and first.contact_email == "privacy@demo.consent.example"
    page = text_of(browser.get("/rights").get_data(as_text=True))
    assert "Office of Student Privacy" in page and "privacy@demo.consent.example" in page
    assert "100 School Street" in page


def test_the_office_saves_a_new_version_and_families_read_it(app, as_, browser):
    lee = as_("lee")
    form = lee.get("/notice/en/edit").get_data(as_text=True)
    assert "privacy@demo.consent.example" in form  # starts from the current version
    answer = lee.post("/notice/en/edit", NOTICE)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/notice/en/history")
    assert [v.number for v in versions(app, "en")] == [1, 2]
    assert audit_actions(app)[-1] == "notice.edit"

    history = text_of(lee.get("/notice/en/history").get_data(as_text=True))
    assert "Version 2" in history and "Version 1" in history and "Karen Lee" in history
    newest = history.split("Version 1")[0]  # newest first
    assert "Changed: Email address; Phone number; Postal address; Who is a school" in newest

    page = browser.get("/rights").get_data(as_text=True)
    assert "<p>Teachers and the companies we contract.</p>\n<p>Only for their work.</p>" in page
    assert "notice-office@demo.consent.example" in page
    # Every page's footer names the district's contact from the notice.
    footer = browser.get("/signin").get_data(as_text=True).split('class="site-footer"')[1]
    assert "notice-office@demo.consent.example" in footer and "1 Privacy Way, Demo City" in footer


def test_the_office_writes_no_html(app, as_, browser):
    as_("lee").post("/notice/en/edit", {**NOTICE, "school_officials": "<script>alert(1)</script>"})
    page = browser.get("/rights").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_bad_input_is_shown_on_the_form_and_nothing_is_saved(app, as_):
    lee = as_("lee")
    answer = lee.post("/notice/en/edit", {**NOTICE, "directory_information": "  "})
    assert answer.status_code == 400
    assert "Write this part of the notice." in answer.get_data(as_text=True)
    answer = lee.post("/notice/en/edit", {**NOTICE, "contact_email": "not an address"})
    assert "Enter an email address like name@example.org." in answer.get_data(as_text=True)
    assert len(versions(app, "en")) == 1


def test_a_save_that_changes_nothing_is_refused(app, as_):
    lee = as_("lee")
    assert lee.post("/notice/en/edit", NOTICE).status_code == 302
    answer = lee.post("/notice/en/edit", NOTICE)
    assert answer.status_code == 400
    assert "Nothing changed" in answer.get_data(as_text=True)
    assert len(versions(app, "en")) == 2


def test_a_language_the_district_does_not_offer_is_a_missing_page(as_):
    lee = as_("lee")
    assert lee.get("/notice/fr/edit").status_code == 404
    assert lee.get("/notice/fr/history").status_code == 404


def test_a_spanish_reader_sees_english_marked_untranslated_until_spanish_is_saved(app, as_):
    maria = as_("maria")
    page = maria.get("/rights").get_data(as_text=True)
    assert "todavía no está traducida" in text_of(page)
    assert '<div lang="en">' in page  # the English text is marked as English for screen readers
    assert "Office of Student Privacy" in page

    form = as_("lee").get("/notice/es/edit").get_data(as_text=True)
    assert "funcionario escolar" in form  # the Spanish FERPA facts to start from
    assert as_("lee").post("/notice/es/edit", SPANISH).status_code == 302
    page = maria.get("/rights").get_data(as_text=True)
    assert "todavía no está traducida" not in text_of(page)
    assert "Maestros y las empresas contratadas." in page
    assert "Oficina de Privacidad Estudiantil" in page.split('class="site-footer"')[1]
    # An English reader still reads the English version.
    assert "Maestros" not in as_("luis").get("/rights").get_data(as_text=True)


def test_the_office_finds_the_notice_in_its_menu(as_):
    page = as_("lee").get("/notice").get_data(as_text=True)
    assert 'href="/notice"' in page and "Annual notice" in page
    assert "Version 1" in page


def test_with_no_version_the_rights_page_shows_the_facts_and_the_settings_contacts(app, browser):
    app.config["PRIVACY_OFFICE_PHONE"] = "(555) 010-0000"
    with app.app_context():
        db.session.execute(NoticeVersion.__table__.delete())
        db.session.commit()
        db.session.remove()
    page = browser.get("/rights").get_data(as_text=True)
    text = text_of(page)
    assert "legitimate educational interest" in text and "99.37" in text  # the FERPA facts
    assert "District privacy office" in text and "privacy@example.org" in text
    assert "(555) 010-0000" in page.split('class="site-footer"')[1]
    assert "Office of Student Privacy" not in text
