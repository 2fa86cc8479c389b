"""translated(): the reader's language when the district entered it, else the English marked as
a fallback; and preload(): one query for a page's worth of tools."""

from flask_babel import force_locale
from markupsafe import Markup, escape
from sqlalchemy import select

from consent.catalog.models import Tool
from consent.consentforms.models import ConsentForm
from consent.extensions import db
from consent.texts.lookup import (
    Translated,
    choice_text,
    feature_text,
    forget_cached,
    preload,
    translated,
)
from consent.texts.models import DistrictText
from tests.support import count_queries


def tool(demo, key: str) -> Tool:
    return db.session.get(Tool, demo.tools[key])


def test_english_readers_read_the_column_itself(ctx, demo):
    zoom = tool(demo, "zoom")
    text = translated(zoom, "purpose", "en")
    assert text == Translated(zoom.purpose, False, "en")
    assert str(escape(text)) == str(escape(zoom.purpose))


def test_a_spanish_reader_reads_the_district_s_spanish(ctx, demo):
    zoom = tool(demo, "zoom")
    text = translated(zoom, "purpose", "es")
    assert not text.fallback and text.language == "es"
    assert text.text.startswith("Clases en vivo por video")
    assert str(escape(text)) == str(escape(text.text))  # no note, no lang attribute


def test_without_a_spanish_text_the_english_stands_in_marked(ctx, demo):
    khan = tool(demo, "khan")  # the demo leaves Khan Academy untranslated
    text = translated(khan, "purpose", "es")
    assert text.fallback and text.language == "en" and text.text == khan.purpose
    with force_locale("es"):
        html = str(Markup("{}").format(text))
        plain = text.with_note()
    assert f'<span lang="en" class="untranslated-text">{escape(khan.purpose)}</span>' in html
    assert "(todavía sin traducir)" in html
    assert plain == f"{khan.purpose} (todavía sin traducir)"
    assert str(text) == khan.purpose  # plain-text emails and subjects: the text alone


def test_an_empty_english_text_is_no_fallback(ctx, demo):
    khan = tool(demo, "khan")
    khan.purpose = ""
    assert translated(khan, "purpose", "es") == Translated("", False, "en")


def test_the_reader_s_language_is_the_one_pages_are_rendered_in(ctx, demo):
    zoom = tool(demo, "zoom")
    with force_locale("es"):
        assert translated(zoom, "purpose").language == "es"
    with force_locale("en"):
        assert translated(zoom, "purpose").text == zoom.purpose


def test_features_and_choices_are_found_by_their_key_and_words(ctx, demo):
    zoom = tool(demo, "zoom")
    with force_locale("es"):
        assert feature_text(zoom, "recording").text == "Grabación"
        assert feature_text(zoom, "") is None
        assert feature_text(zoom, "gone") is None
        assert choice_text(zoom, "Camera off").text == "Cámara apagada"
        # What staff wrote down for a family stays as written.
        assert choice_text(zoom, "Sits at the back").text == "Sits at the back"


def test_preload_reads_every_text_of_many_tools_in_one_query(app, ctx, demo):
    tools = list(db.session.scalars(select(Tool).order_by(Tool.id)))
    forget_cached()
    with count_queries(app) as seen:
        preload(tools, "es")
        texts = [translated(t, "purpose", "es") for t in tools]
        texts += [translated(c, "note", "es") for t in tools for c in t.data_categories]
        texts += [translated(f, "label", "es") for t in tools for f in t.features]
        texts += [translated(o, "label", "es") for t in tools for o in t.optout_options]
    assert len([s for s in seen if "district_text" in s]) == 1
    assert any(t.fallback for t in texts) and any(not t.fallback for t in texts)


def test_a_translation_saved_later_is_read_at_once(ctx, demo):
    khan = tool(demo, "khan")
    assert translated(khan, "purpose", "es").fallback
    db.session.add(
        DistrictText(kind="tool", row_id=khan.id, field="purpose", language="es", text="Práctica")
    )
    db.session.flush()
    forget_cached()
    assert translated(khan, "purpose", "es") == Translated("Práctica", False, "es")


def test_a_form_s_text_is_translated_per_version(ctx, demo):
    form = db.session.scalar(
        select(ConsentForm).where(ConsentForm.title == "Consent for Flip in English 7")
    )
    [version] = form.versions
    assert not translated(version, "text", "es").fallback
    assert translated(form, "title", "es").text == "Consentimiento para Flip en Inglés 7"


def test_next_year_s_draft_of_a_form_keeps_its_translations(ctx, demo):
    from consent.consentforms.operations import copy_as_draft

    form = db.session.scalar(
        select(ConsentForm).where(ConsentForm.title == "Photos and videos in school publications")
    )
    copy = copy_as_draft(
        actor=None,
        form=form,
        school_year="2099-2100",
        opens_on=form.opens_on,
        closes_on=form.closes_on,
    )
    [version] = copy.versions
    assert translated(copy, "title", "es").text == "Fotos y videos en las publicaciones escolares"
    assert translated(version, "text", "es").text.startswith("El distrito comparte noticias")
