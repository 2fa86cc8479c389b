"""The office enters translations on a tool's and a form's translation page, sees what is
missing per language, and families read their language (or the English, marked) on every page
that shows these texts."""

import re

from markupsafe import escape
from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.catalog import operations as catalog
from consent.catalog.models import Tool, ToolChangeNotice, ToolFeature, ToolRevision
from consent.consentforms.models import ConsentForm
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import OptOut
from consent.texts.models import DistrictText
from tests.support import count_queries

NOTE = "(todavía sin traducir)"


def page(client, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200, url
    return answer.get_data(as_text=True)


def form_id(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ConsentForm.id).where(ConsentForm.title == title))


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def untranslated(english: str) -> str:
    return f'<span lang="en" class="untranslated-text">{escape(english)}</span>'


# --- families ------------------------------------------------------------------------------


def test_maria_reads_her_child_s_tools_in_spanish_and_sees_which_are_not(as_, demo):
    body = page(as_("maria"), f"/students/{demo.students['mateo']}")
    assert "Los estudiantes graban videos cortos" in body  # Flip's purpose
    assert "videos que graba el estudiante, con su cara y su voz" in body  # a note
    assert "Teachers post assignments" not in body  # Google Classroom is translated
    # Khan Academy has no Spanish yet: its English, marked as English, with the note.
    assert untranslated("Math practice and videos that adapt to each student.") in body
    assert untranslated("practice scores and mastery levels") in body
    assert NOTE in body


def test_who_has_my_child_s_data_reads_spanish_notes(as_, demo):
    body = page(as_("maria"), f"/students/{demo.students['mateo']}/data-sharing")
    assert "(comentarios en los videos de los compañeros)" in body  # Flip
    assert untranslated("practice scores and mastery levels") in body  # Khan Academy


def test_the_tool_page_and_the_public_catalog_read_spanish(as_, browser, demo):
    body = page(as_("maria"), f"/tools/{demo.tools['zoom']}")
    assert "Cámara (video)" in body and "Grabación" in body  # features
    assert "Cámara apagada" in body and "Participar solo con audio" in body  # choices
    assert "video y audio de las clases en vivo" in body
    body = page(as_("maria"), f"/tools/{demo.tools['khan']}")
    assert untranslated("Paper practice instead") in body and NOTE in body
    public = page(browser, "/catalog")  # English visitors read English, unmarked
    assert "Live video lessons" in public and "untranslated" not in public
    spanish = browser.get("/catalog", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Clases en vivo por video" in spanish


NO_RECORDING = "Sin grabación mientras mi hijo esté presente"


def test_the_opt_out_form_offers_spanish_and_records_the_district_s_words(app, as_, demo):
    maria, sofia, zoom = as_("maria"), demo.students["sofia"], demo.tools["zoom"]
    url = f"/students/{sofia}/optouts/new?tool={zoom}"
    body = page(maria, url)
    assert "Participar solo con audio" in body
    assert '<option value="chat">Chat</option>' in body
    assert ">Grabación</option>" in body
    assert "Sin grabación mientras mi hijo esté presente" in body
    review = maria.post(
        url,
        {
            "feature": "recording",
            "accommodation": "No recording while my child is present",
            "review": "1",
        },
    ).get_data(as_text=True)
    assert NO_RECORDING in review
    sent = maria.post(
        url,
        {
            "feature": "recording",
            "accommodation": "No recording while my child is present",
            "send": "1",
        },
        token_from=url,
    )
    assert sent.status_code == 302
    with app.app_context():
        filed = int(sent.headers["Location"].split("/requests/")[1].split("/")[0])
        optout = db.session.get(OptOut, filed)
        assert (optout.feature, optout.accommodation) == (
            "recording",
            "No recording while my child is present",
        )
        optout_id = optout.id
        [receipt] = db.session.scalars(
            select(Notification).where(
                Notification.optout_id == optout_id, Notification.kind == "optouts/receipt"
            )
        )
        assert NO_RECORDING in receipt.body_text
    receipt_page = page(maria, f"/requests/{optout_id}/receipt")
    assert NO_RECORDING in receipt_page and "— Grabación" in receipt_page
    detail = page(maria, f"/requests/{optout_id}")
    assert NO_RECORDING in detail


def test_consent_forms_read_spanish_and_mark_an_untranslated_one(app, as_, demo):
    maria, mateo = as_("maria"), demo.students["mateo"]
    flip = form_id(app, "Consent for Flip in English 7")
    directory = form_id(app, "Directory information at Riverside")
    body = page(maria, f"/forms/{flip}/students/{mateo}")
    assert "Consentimiento para Flip en Inglés 7" in body
    assert "¿Puede su hijo usar Flip?" in body
    assert "<title>Consentimiento para Flip en Inglés 7" in body
    body = page(maria, f"/forms/{directory}/students/{mateo}")
    assert untranslated("Directory information at Riverside") in body and NOTE in body
    assert "<title>Directory information at Riverside" in body  # no markup in the title
    waiting = page(maria, "/forms")
    assert "Fotos y videos en las publicaciones escolares" in waiting
    assert untranslated("Directory information at Riverside") in waiting


def test_a_new_wording_of_a_form_needs_a_new_translation(app, as_, demo):
    flip = form_id(app, "Consent for Flip in English 7")
    lee = as_("lee")
    edit = page(lee, f"/consent-forms/{flip}/edit")
    data = {
        name: value
        for name, value in re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', edit)
        if name != "csrf_token"
    }
    data.update(text="A new wording of the Flip consent.", title="Consent for Flip in English 7")
    assert lee.post(f"/consent-forms/{flip}/edit", data).status_code == 302
    body = page(as_("maria"), f"/forms/{flip}/students/{demo.students['mateo']}")
    assert "Consentimiento para Flip en Inglés 7" in body  # the title did not change
    assert untranslated("A new wording of the Flip consent.") in body


# --- the office ----------------------------------------------------------------------------


def test_the_office_translates_a_tool_as_one_revision_without_telling_families(app, as_, demo):
    lee, khan = as_("lee"), demo.tools["khan"]
    url = f"/tools/{khan}/translations/es"
    body = page(lee, url)
    boxes = re.findall(r'<textarea[^>]*name="(t_[a-z_]+_\d+_[a-z]+)"', body)
    assert len(boxes) == 1 + 3 + 2  # purpose, three notes, two choices
    assert 'lang="es"' in body and "Math practice and videos" in body
    notices, messages = count(app, ToolChangeNotice), count(app, Notification)
    values = {name: "" for name in boxes}
    values[f"t_tool_{khan}_purpose"] = "Práctica de matemáticas que se adapta a cada estudiante."
    answer = lee.post(url, values)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(url)
    body = page(as_("maria"), f"/tools/{khan}")
    assert "Práctica de matemáticas que se adapta" in body
    assert untranslated("Paper practice instead") in body  # left empty: still English
    assert (count(app, ToolChangeNotice), count(app, Notification)) == (notices, messages)
    with app.app_context():
        revision = db.session.scalar(
            select(ToolRevision).where(ToolRevision.tool_id == khan).order_by(ToolRevision.id)
        )
        assert [c.field for c in revision.changes] == ["translation:es:purpose"]
        tool = db.session.get(Tool, khan)
        assert tool.last_reviewed_on != clock.today()  # a translation is no review
        assert db.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "tool.translate", AuditEvent.target == f"tool:{khan}"
            )
        )
    history = page(lee, f"/tools/{khan}/history")
    assert "What it is for, in Spanish" in history
    assert "Práctica de matemáticas" in history


def test_a_too_long_translation_is_refused_and_nothing_is_saved(app, as_, demo):
    lee, zoom = as_("lee"), demo.tools["zoom"]
    url = f"/tools/{zoom}/translations/es"
    with app.app_context():
        feature = db.session.scalar(
            select(ToolFeature.id).where(ToolFeature.tool_id == zoom, ToolFeature.key == "chat")
        )
    before = count(app, DistrictText)
    answer = lee.post(
        url,
        {
            f"t_tool_{zoom}_purpose": "Otra cosa",
            f"t_tool_feature_{feature}_label": "x" * 256,
        },
    )
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Keep the translation to 255 characters or fewer." in body
    assert 'aria-invalid="true"' in body
    assert count(app, DistrictText) == before
    assert "Clases en vivo por video" in page(as_("maria"), f"/tools/{zoom}")


def test_an_emptied_box_brings_back_the_english_with_the_note(app, as_, demo):
    lee, zoom = as_("lee"), demo.tools["zoom"]
    answer = lee.post(f"/tools/{zoom}/translations/es", {f"t_tool_{zoom}_purpose": ""})
    assert answer.status_code == 302
    body = page(as_("maria"), f"/tools/{zoom}")
    assert (
        untranslated("Live video lessons when a class meets online or has a guest speaker.") in body
    )
    assert "Cámara apagada" in body  # the rest stays


def test_the_office_translates_a_form_s_title_and_text(app, as_, demo):
    lee, directory = as_("lee"), form_id(app, "Directory information at Riverside")
    url = f"/consent-forms/{directory}/translations/es"
    body = page(lee, url)
    [title_box, text_box] = re.findall(r'<textarea[^>]*name="(t_[a-z_]+_\d+_[a-z]+)"', body)
    assert title_box == f"t_consent_form_{directory}_title"
    answer = lee.post(
        url,
        {title_box: "Información del directorio en Riverside", text_box: "La escuela puede…"},
    )
    assert answer.status_code == 302
    waiting = page(as_("maria"), "/forms")
    assert "Información del directorio en Riverside" in waiting
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.id).where(AuditEvent.action == "consentform.translate")
        )


def test_removing_a_feature_forgets_its_translations(app, ctx, demo):
    lee = db.session.get(Account, demo.accounts["lee"])
    zoom = db.session.get(Tool, demo.tools["zoom"])
    chat = next(f for f in zoom.features if f.key == "chat")
    data = catalog.ToolData(
        name=zoom.name,
        vendor=zoom.vendor,
        purpose=zoom.purpose,
        website=zoom.website,
        privacy_policy_url=zoom.privacy_policy_url,
        grade_band=zoom.grade_band,
        legal_basis=zoom.legal_basis,
        vetting_status=zoom.vetting_status,
        agreement_status=zoom.agreement_status,
        agreement_signed_on=zoom.agreement_signed_on,
        agreement_expires_on=zoom.agreement_expires_on,
        categories={c.category: c.note for c in zoom.data_categories},
        features={f.key: f.label for f in zoom.features if f.key != "chat"},
        options=[o.label for o in zoom.optout_options],
    )
    catalog.update_tool(actor=lee, tool=zoom, data=data, today=clock.today())
    left = db.session.scalars(
        select(DistrictText.text).where(
            DistrictText.kind == "tool_feature", DistrictText.row_id == chat.id
        )
    ).all()
    assert left == []
    assert db.session.scalar(
        select(func.count()).select_from(DistrictText).where(DistrictText.kind == "tool_feature")
    )


def test_the_office_sees_what_is_missing_per_language_page_by_page(app, as_, demo):
    app.config["PAGE_SIZE"] = 4
    lee = as_("lee")
    first = page(lee, "/translations")
    # Khan Academy: purpose, three notes, two choices; the directory form: title and text.
    assert "Spanish: 8 texts without a translation" in first
    assert first.count("<tr>") == 1 + 4
    assert 'rel="next"' in first
    assert f"/tools/{demo.tools['khan']}/translations/es" in first
    everything = first + page(lee, "/translations?page=2") + page(lee, "/translations?page=3")
    directory = form_id(app, "Directory information at Riverside")
    assert f"/consent-forms/{directory}/translations/es" in everything
    assert "Paper practice instead" in everything and "Math practice" in everything
    assert "Live video lessons" not in everything  # translated
    assert f"/tools/{demo.tools['zoom']}/translations/es" not in everything


def test_the_missing_list_costs_the_same_whatever_its_length(app, as_):
    lee = as_("lee")
    app.config["PAGE_SIZE"] = 50
    with count_queries(app) as seen:
        page(lee, "/translations")
    assert len(seen) <= 12


def test_one_language_districts_have_nothing_to_translate(app, as_, demo):
    app.config["LANGUAGES"] = ("en",)
    lee = as_("lee")
    assert "there is nothing to translate" in page(lee, "/translations")
    assert lee.get(f"/tools/{demo.tools['zoom']}/translations/es").status_code == 404


def test_family_pages_read_their_translations_in_one_query(app, as_, demo):
    """However many tools, notes, features and forms a page shows (Mateo has five tools)."""
    maria, mateo = as_("maria"), demo.students["mateo"]
    flip = form_id(app, "Consent for Flip in English 7")
    urls = [
        f"/students/{mateo}",
        f"/tools/{demo.tools['zoom']}",
        f"/students/{mateo}/optouts/new",
        f"/students/{mateo}/optouts/new?tool={demo.tools['zoom']}",
        "/forms",
        f"/forms/{flip}/students/{mateo}",
        f"/students/{mateo}/data-sharing",
    ]
    for url in urls:
        with count_queries(app) as seen:
            page(maria, url)
        assert len([s for s in seen if "district_text" in s]) == 1, url


def test_the_office_reaches_the_translations_from_the_tool_and_the_form(app, as_, demo):
    lee, zoom = as_("lee"), demo.tools["zoom"]
    flip = form_id(app, "Consent for Flip in English 7")
    assert f'href="/tools/{zoom}/translations/es">Texts in Spanish</a>' in page(
        lee, f"/tools/{zoom}"
    )
    assert f"/consent-forms/{flip}/translations/es" in page(lee, f"/consent-forms/{flip}")
    assert "/translations/" not in page(as_("maria"), f"/tools/{zoom}")
