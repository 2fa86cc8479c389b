"""A guardian who prefers Spanish reads every page in Spanish; others keep English; anyone
signed out gets their browser's language; a guardian can change their language."""

import pytest
from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.core.i18n import available_locales
from consent.extensions import db
from consent.roster.models import Guardian
from tests.i18n.support import english_leaks, html_lang, text_of

NAV_ENGLISH = ("My children", "Forms", "Messages", "Your rights", "Account", "Sign out")


def spanish_page(response) -> str:
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert html_lang(page) == "es"
    text = text_of(page)
    for label in NAV_ENGLISH:
        assert f">{label}<" not in page, f"nav item {label!r} is in English"
    assert english_leaks(page) == []
    for label in ("Mis hijos", "Formularios", "Mensajes", "Sus derechos", "Cuenta"):
        assert label in text
    assert "Cerrar sesión" in text
    return text


def test_the_es_catalog_is_found(app):
    with app.app_context():
        assert available_locales() == ["en", "es"], "the district's default comes first"


def test_a_spanish_speaking_guardian_sees_her_childs_page_in_spanish(as_, demo):
    text = spanish_page(as_("maria").get(f"/students/{demo.students['sofia']}"))
    assert "Herramientas en línea que usa Sofia" in text
    assert "Quién tiene los datos de Sofia" in text
    assert "Qué recoge" in text
    # The NDPA category names are stored in English; she reads them in Spanish.
    assert "Nombre del estudiante" in text and "Student Name" not in text
    assert "Pedir la exclusión de Seesaw" in text
    # Data the district entered (names, a tool's own description) stays as written.
    assert "Oakwood Elementary" in text


def test_the_opt_out_form_and_its_errors_are_in_spanish(as_, demo):
    maria = as_("maria")
    url = f"/students/{demo.students['sofia']}/optouts/new?tool={demo.tools['seesaw']}"
    form = maria.get(url)
    text = spanish_page(form)
    assert "Excluir a Sofia de Seesaw" in text
    assert "Qué debe pasar en su lugar" in text and "Motivo (opcional)" in text
    assert 'value="Revisar mi solicitud"' in form.get_data(as_text=True)

    refused = maria.post(url, {"feature": "photos", "reason": "", "review": "1"})
    text = spanish_page(refused)
    assert "Revise sus respuestas" in text
    assert "Elija qué debe pasar en su lugar." in text


def test_the_tool_page_and_the_public_catalog_name_the_data_in_spanish(as_, demo, browser):
    tool = spanish_page(as_("maria").get(f"/tools/{demo.tools['seesaw']}"))
    assert "Nombre del estudiante" in tool and "Student Name" not in tool
    public = browser.get("/catalog", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert html_lang(public) == "es"
    assert "Nombre del estudiante" in text_of(public) and "Student Name" not in public


def test_who_has_my_childs_data_is_in_spanish(as_, demo):
    text = spanish_page(as_("maria").get(f"/students/{demo.students['sofia']}/data-sharing"))
    assert "Quién tiene los datos de Sofia" in text
    assert "Empresas que recibieron datos" in text
    assert "Funcionario escolar (FERPA 99.31(a)(1))" in text
    assert "(todavía en uso)" in text


def test_the_rights_page_keeps_the_postal_address_as_the_post_office_reads_it(as_):
    page = as_("maria").get("/rights")
    text = spanish_page(page)
    assert "Sus derechos sobre los expedientes escolares de su hijo o hija" in text
    assert '<address lang="en">' in page.get_data(as_text=True)


def test_an_english_speaking_guardian_keeps_english(as_, demo):
    page = as_("luis").get(f"/students/{demo.students['sofia']}").get_data(as_text=True)
    assert html_lang(page) == "en"
    assert "Online tools Sofia uses" in page and ">My children<" in page


def test_staff_pages_stay_in_the_districts_language(as_):
    page = as_("johnson").get("/tasks").get_data(as_text=True)
    assert html_lang(page) == "en"
    assert ">My tasks<" in page


@pytest.mark.parametrize("header", ["es", "es-MX,es;q=0.9,en;q=0.5", "es-US"])
def test_a_signed_out_browser_asking_for_spanish_gets_the_sign_in_page_in_spanish(browser, header):
    page = browser.get("/signin", headers={"Accept-Language": header})
    text = spanish_page_signed_out(page)
    assert "Iniciar sesión" in text and "¿Olvidó su contraseña?" in text
    assert "Correo electrónico" in text and "Contraseña" in text


def spanish_page_signed_out(response) -> str:
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert html_lang(page) == "es"
    text = text_of(page)
    assert english_leaks(page) == []
    for label in ("Approved tools", "Your rights", "Sign in"):
        assert f">{label}<" not in page
    assert "Herramientas aprobadas" in text and "Sus derechos" in text
    return text


@pytest.mark.parametrize("header", [None, "en-US,en;q=0.9", "fr-FR", "de, pt;q=0.5"])
def test_other_browsers_get_english(browser, header):
    headers = {"Accept-Language": header} if header else {}
    page = browser.get("/signin", headers=headers).get_data(as_text=True)
    assert html_lang(page) == "en"
    assert "Forgot your password?" in page


def test_sign_in_errors_follow_the_browsers_language(browser):
    headers = {"Accept-Language": "es"}
    refused = browser.post(
        "/signin",
        {"email": "maria.garcia@demo.consent.example", "password": "not her password"},
        token_from="/signin",
        headers=headers,
    )
    assert refused.status_code == 200
    text = text_of(refused.get_data(as_text=True))
    assert "Ese correo electrónico y esa contraseña no coinciden con ninguna cuenta." in text
    empty = browser.post("/signin", {"email": "", "password": ""}, headers=headers)
    # WTForms' own messages come from its Spanish catalog.
    assert "Este campo es obligatorio." in text_of(empty.get_data(as_text=True))


# --- choosing a language -------------------------------------------------------------------


def language_of(app, demo, persona: str) -> str:
    with app.app_context():
        return db.session.scalar(
            select(Guardian.preferred_language).where(Guardian.id == demo.guardians[persona])
        )


def language_audits(app) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "accounts.language_changed")
            ).all()
        )


def test_a_guardian_chooses_spanish_on_the_account_page(app, as_, demo):
    luis = as_("luis")
    page = luis.get("/account").get_data(as_text=True)
    assert "Language for pages and emails" in page
    # Each language is named in itself and marked as such for screen readers.
    assert 'lang="es"' in page and "Español" in page and "English" in page

    saved = luis.post("/account/language", {"language": "es"}, token_from="/account")
    assert saved.status_code == 302 and saved.headers["Location"] == "/account"
    assert language_of(app, demo, "luis") == "es"
    assert language_audits(app) == 1
    after = spanish_page(luis.get("/account"))
    assert "Su idioma quedó guardado." in after
    assert "Idioma de las páginas y los correos electrónicos" in after

    luis.post("/account/language", {"language": "en"}, token_from="/account")
    assert language_of(app, demo, "luis") == "en"
    assert html_lang(luis.get("/account").get_data(as_text=True)) == "en"
    assert language_audits(app) == 2


@pytest.mark.parametrize("choice", ["fr", "", "es-XX"])
def test_a_language_the_service_does_not_speak_is_refused(app, as_, demo, choice):
    luis = as_("luis")
    refused = luis.post("/account/language", {"language": choice}, token_from="/account")
    assert refused.status_code == 200
    assert 'class="error"' in refused.get_data(as_text=True)
    assert language_of(app, demo, "luis") == "en"
    assert language_audits(app) == 0


def test_staff_have_no_language_choice(app, as_):
    teacher = as_("johnson")
    assert "Language for pages and emails" not in teacher.get("/account").get_data(as_text=True)
    answer = teacher.post("/account/language", {"language": "es"}, token_from="/account")
    assert answer.status_code == 302
    assert html_lang(teacher.get("/account").get_data(as_text=True)) == "en"
    assert language_audits(app) == 0
