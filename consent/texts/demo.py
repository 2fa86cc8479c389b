"""The demo district's Spanish: every demo tool and form but one of each, so the Spanish-speaking
demo guardian (Maria Garcia) reads her pages in Spanish and sees what an untranslated text
looks like (Khan Academy at Riverside, and Riverside's directory-information form)."""

from sqlalchemy import select

from consent.catalog.models import Tool
from consent.consentforms.models import ConsentForm, ConsentFormVersion
from consent.core import clock
from consent.extensions import db
from consent.texts.models import DistrictText

#: By tool name: purpose, notes by category, features by key, choices by their English words.
TOOLS_ES = {
    "Google Classroom": {
        "purpose": "Los maestros publican tareas y los estudiantes entregan su trabajo en línea.",
        "notes": {
            "Student Name": "nombre y apellido",
            "Student Identifiers": "cuenta escolar y número de estudiante",
            "Student Contact Information": "correo electrónico escolar",
            "Student Work": "tareas, documentos y comentarios",
            "Communications": "comentarios entre el estudiante y el maestro",
            "Application Use Statistics": "cuándo se abrió y se entregó el trabajo",
        },
        "features": {},
        "options": {
            "Paper copies of assignments": "Copias en papel de las tareas",
            "Alternative activity": "Actividad alternativa",
        },
    },
    "Zoom": {
        "purpose": "Clases en vivo por video cuando una clase se reúne en línea o recibe a un "
        "invitado.",
        "notes": {
            "Student Name": "nombre que se muestra en la reunión",
            "Other": "video y audio de las clases en vivo",
            "Communications": "mensajes de chat en la reunión",
            "Application Technology Meta Data": "dirección IP, tipo de dispositivo y navegador",
        },
        "features": {"video": "Cámara (video)", "recording": "Grabación", "chat": "Chat"},
        "options": {
            "Camera off": "Cámara apagada",
            "No recording while my child is present": "Sin grabación mientras mi hijo esté "
            "presente",
            "Join by audio only": "Participar solo con audio",
            "Alternative activity": "Actividad alternativa",
        },
    },
    "Seesaw": {
        "purpose": "Un diario de clase donde los estudiantes muestran su trabajo con fotos, "
        "dibujos y grabaciones de voz.",
        "notes": {
            "Student Name": "nombre e inicial del apellido",
            "Student Work": "fotos, dibujos, videos y grabaciones de voz del trabajo de clase",
            "Communications": "mensajes entre las familias y los maestros",
            "Parent/Guardian Contact Information": "correo electrónico para el acceso de la "
            "familia",
        },
        "features": {"photos": "Fotos y videos de mi hijo"},
        "options": {
            "Post work without photos or videos of my child": "Publicar el trabajo sin fotos ni "
            "videos de mi hijo",
            "Alternative activity": "Actividad alternativa",
        },
    },
    "Nearpod": {
        "purpose": "Lecciones interactivas con diapositivas, pruebas cortas, encuestas y "
        "actividades de dibujo.",
        "notes": {
            "Student Name": "nombre que se escribe para entrar a una lección",
            "Assessment": "respuestas a pruebas y encuestas",
            "Student Work": "dibujos y respuestas escritas",
        },
        "features": {},
        "options": {
            "Answer on paper": "Responder en papel",
            "Alternative activity": "Actividad alternativa",
        },
    },
    "Flip": {
        "purpose": "Los estudiantes graban videos cortos para responder una pregunta o "
        "presentar un proyecto.",
        "notes": {
            "Student Name": "nombre que se muestra",
            "Student Work": "videos que graba el estudiante, con su cara y su voz",
            "Communications": "comentarios en los videos de los compañeros",
        },
        "features": {"video": "Video de mi hijo"},
        "options": {
            "Audio-only response": "Respuesta solo con audio",
            "Written response instead": "Respuesta escrita en su lugar",
            "Alternative activity": "Actividad alternativa",
        },
    },
}

#: By the form's English title: its Spanish title and text.
FORMS_ES = {
    "Photos and videos in school publications": (
        "Fotos y videos en las publicaciones escolares",
        "El distrito comparte noticias de las clases y los eventos en boletines, en los sitios "
        "web de las escuelas y en las redes sociales. Con su permiso, pueden aparecer allí "
        "fotos y videos de su hijo, solo con su nombre de pila. Sin su permiso, su hijo no "
        "aparecerá. Puede cambiar su respuesta hasta que se cierre el formulario.",
    ),
    "Consent for Flip in English 7": (
        "Consentimiento para Flip en Inglés 7",
        "En Inglés 7, los estudiantes graban videos cortos en Flip para responder preguntas y "
        "presentar proyectos; los compañeros los ven y los comentan. Flip guarda los videos, "
        "con la cara y la voz de su hijo. ¿Puede su hijo usar Flip? Si responde que no, su "
        "hijo hace el mismo trabajo de otra manera.",
    ),
}


def _row(obj, field: str, text: str, language: str, actor_account_id) -> DistrictText:
    return DistrictText(
        kind=type(obj).__tablename__,
        row_id=obj.id,
        field=field,
        language=language,
        text=text,
        updated_at=clock.now(),
        updated_by_account_id=actor_account_id,
    )


def translate_demo_tools(*, actor_account_id: int | None, language: str = "es") -> int:
    """Add the demo tools' Spanish; returns how many texts were added."""
    rows = []
    for tool in db.session.scalars(select(Tool).where(Tool.name.in_(list(TOOLS_ES)))):
        spanish = TOOLS_ES[tool.name]
        pairs = [(tool, "purpose", spanish["purpose"])]
        pairs += [
            (row, "note", spanish["notes"][row.category])
            for row in tool.data_categories
            if row.category in spanish["notes"]
        ]
        pairs += [
            (row, "label", spanish["features"][row.key])
            for row in tool.features
            if row.key in spanish["features"]
        ]
        pairs += [
            (row, "label", spanish["options"][row.label])
            for row in tool.optout_options
            if row.label in spanish["options"]
        ]
        rows += [_row(obj, field, text, language, actor_account_id) for obj, field, text in pairs]
    db.session.add_all(rows)
    db.session.flush()
    return len(rows)


def translate_demo_form(
    form: ConsentForm, *, actor_account_id: int | None, language: str = "es"
) -> None:
    """Add a demo form's Spanish title and text, before it is published (its emails quote
    the title); a form the demo leaves untranslated is left alone."""
    if form.title not in FORMS_ES:
        return
    title, text = FORMS_ES[form.title]
    version = db.session.scalar(
        select(ConsentFormVersion)
        .where(ConsentFormVersion.form_id == form.id)
        .order_by(ConsentFormVersion.number.desc())
        .limit(1)
    )
    db.session.add_all(
        [
            _row(form, "title", title, language, actor_account_id),
            _row(version, "text", text, language, actor_account_id),
        ]
    )
    db.session.flush()
