"""The demo district's annual notice: a first version in English and in Spanish, saved by the
privacy office through the real operation, so the demo's rights page names a district contact."""

from datetime import date, timedelta

from consent.core import clock
from consent.core.i18n import available_locales
from consent.notice.operations import save_notice

CONTACTS = {
    "contact_email": "privacy@demo.consent.example",
    "contact_phone": "(555) 010-0199",
    "contact_address": "Demo County Public Schools\n100 School Street\nDemo City, MD 21000",
}

TEXTS = {
    "en": {
        "contact_name": "Office of Student Privacy",
        "school_officials": (
            "A school official is a person the district employs as an administrator, "
            "supervisor, teacher or support staff member; a school board member; or a company "
            "or person the district has contracted to do work it would otherwise do itself, "
            "such as the online tools listed on your child's page (§ 99.31(a)(1)).\n\n"
            "A school official has a legitimate educational interest when they need to see a "
            "record to do their job for the district."
        ),
        "directory_information": (
            "The district's directory information is: the student's name, grade, school, "
            "photograph, participation in school activities and sports, and honors received "
            "(§ 99.37).\n\n"
            "You may refuse any of it with the directory information form in October; you have "
            "until 31 October to refuse."
        ),
        "inspect_and_amend": (
            "To see your child's records, ask on this site or write to your child's principal. "
            "The school will make them available within 45 days (§ 99.10).\n\n"
            "To ask for a record to be corrected, say which record, what is wrong and what it "
            "should say. If the school refuses, you may ask for a hearing and add your own "
            "statement to the record (§ 99.20–99.22)."
        ),
    },
    "es": {
        "contact_name": "Oficina de Privacidad Estudiantil",
        "school_officials": (
            "Un funcionario escolar es una persona que el distrito emplea como administrador, "
            "supervisor, maestro o personal de apoyo; un miembro de la junta escolar; o una "
            "empresa o persona contratada por el distrito para hacer un trabajo que de otro "
            "modo haría el propio distrito, como las herramientas en línea que aparecen en la "
            "página de su hijo o hija (§ 99.31(a)(1)).\n\n"
            "Un funcionario escolar tiene un interés educativo legítimo cuando necesita ver un "
            "expediente para hacer su trabajo para el distrito."
        ),
        "directory_information": (
            "La información de directorio del distrito es: el nombre del estudiante, su grado, "
            "su escuela, su fotografía, su participación en actividades y deportes escolares y "
            "los reconocimientos recibidos (§ 99.37).\n\n"
            "Puede negarse a cualquiera de ellos con el formulario de información de directorio "
            "en octubre; tiene hasta el 31 de octubre para negarse."
        ),
        "inspect_and_amend": (
            "Para ver los expedientes de su hijo o hija, pídalo en este sitio o escriba a la "
            "dirección de la escuela. La escuela los pondrá a su disposición en un plazo de 45 "
            "días (§ 99.10).\n\n"
            "Para pedir que se corrija un expediente, indique cuál, qué está mal y qué debería "
            "decir. Si la escuela se niega, puede pedir una audiencia y añadir su propia "
            "declaración al expediente (§ 99.20–99.22)."
        ),
    },
}


def write_demo_notice(accounts: dict, today: date) -> None:
    """The office saved this year's notice a month before the demo's today, in each language
    the district offers that the demo has a text for."""
    offered = available_locales()
    with clock.at(clock.moment_on(today - timedelta(days=30), hour=9)):
        for language, texts in TEXTS.items():
            if language in offered:
                save_notice(actor=accounts["lee"], language=language, **CONTACTS, **texts)
