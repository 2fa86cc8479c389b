"""Shared steps of the notice tests: the form's fields, saving through the form, reading rows."""

from sqlalchemy import func, select

from consent.extensions import db
from consent.notice.models import NoticeRecipient, NoticeVersion

NOTICE = {
    "contact_name": "Office of Student Privacy",
    "contact_email": "notice-office@demo.consent.example",
    "contact_phone": "(555) 010-0123",
    "contact_address": "1 Privacy Way\nDemo City, MD 21000",
    "school_officials": "Teachers and the companies we contract.\n\nOnly for their work.",
    "directory_information": "Name, grade and photo. Refuse by 31 October.",
    "inspect_and_amend": "Ask your principal. We answer within 45 days.",
}
SPANISH = {
    **NOTICE,
    "contact_name": "Oficina de Privacidad Estudiantil",
    "school_officials": "Maestros y las empresas contratadas.",
    "directory_information": "Nombre, grado y foto. Puede negarse hasta el 31 de octubre.",
    "inspect_and_amend": "Pregunte a la dirección. Respondemos en 45 días.",
}


def versions(app, language: str) -> list[NoticeVersion]:
    with app.app_context():
        found = list(
            db.session.scalars(
                select(NoticeVersion)
                .where(NoticeVersion.language == language)
                .order_by(NoticeVersion.number)
            )
        )
        db.session.expunge_all()
        db.session.remove()
    return found


def recipients(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(NoticeRecipient))
        db.session.remove()
    return n
