"""The notice's plain rules, as functions: paragraphs from plain text, which version a reader
sees, the contacts' fallbacks, and what a save changes."""

from types import SimpleNamespace

from consent.notice.rules import (
    Contacts,
    changed_fields,
    choose,
    clean,
    contacts_of,
    paragraphs,
    shown,
)

CONFIG = {
    "PRIVACY_OFFICE_NAME": "",
    "PRIVACY_OFFICE_EMAIL": "privacy@example.org",
    "PRIVACY_OFFICE_PHONE": "555",
    "PRIVACY_OFFICE_ADDRESS": "",
}


def version(language="en", **fields):
    values = {
        "contact_name": "",
        "contact_email": "",
        "contact_phone": "",
        "contact_address": "",
        "school_officials": "S",
        "directory_information": "D",
        "inspect_and_amend": "I",
    }
    values.update(fields)
    return SimpleNamespace(language=language, **values)


def test_paragraphs_escape_everything_and_keep_paragraphs_and_line_breaks():
    html = paragraphs(
        'One <b>bold</b> & "quoted"\nsame paragraph\r\n\r\n  \nTwo <script>x</script>'
    )
    assert html == (
        "<p>One &lt;b&gt;bold&lt;/b&gt; &amp; &#34;quoted&#34;<br>\nsame paragraph</p>\n"
        "<p>Two &lt;script&gt;x&lt;/script&gt;</p>"
    )
    assert paragraphs("") == ""
    assert clean("  a\r\nb \r") == "a\nb"


def test_a_reader_sees_their_language_then_the_districts_marked_untranslated_then_the_facts():
    en, es = version("en"), version("es")
    assert choose("es", {"en": en, "es": es}, "en") == (es, True)
    assert choose("es", {"en": en}, "en") == (en, False)
    assert choose("en", {"en": en}, "en") == (en, True)
    assert choose("es", {}, "en") == (None, True)
    assert choose("en", {"es": es}, "en") == (None, True)


def test_the_contacts_fall_back_to_the_settings_one_by_one(ctx):
    assert contacts_of(None, CONFIG) == Contacts(
        name="District privacy office", email="privacy@example.org", phone="555", address=""
    )
    written = version(contact_name="Office", contact_address="1 Way")
    assert contacts_of(written, CONFIG) == Contacts(
        name="Office", email="privacy@example.org", phone="555", address="1 Way"
    )


def test_with_nothing_saved_the_notice_is_the_ferpa_facts(ctx):
    facts = shown("en", {}, "en", CONFIG)
    assert facts.version is None and facts.translated
    assert "99.31(a)(1)" in facts.school_officials
    assert "99.37" in facts.directory_information
    assert "45 days" in facts.inspect_and_amend and "99.20" in facts.inspect_and_amend


def test_a_save_lists_the_parts_it_changes(ctx):
    before = version(contact_email="a@example.org")
    after = {
        "contact_name": "",
        "contact_email": "b@example.org",
        "contact_phone": "",
        "contact_address": "",
        "school_officials": "S",
        "directory_information": "D2",
        "inspect_and_amend": "I",
    }
    assert changed_fields(before, after) == ["contact_email", "directory_information"]
    assert (
        changed_fields(
            before, {**after, "contact_email": "a@example.org", "directory_information": "D"}
        )
        == []
    )
