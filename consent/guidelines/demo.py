"""The demo district's General Use Guidelines, and one class using a tool pending review under
them: Mr. Kim uses Wordwall (his request, waiting for the committee) in Room 15."""

from datetime import datetime

from sqlalchemy import select

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.guidelines.operations import save_checklist, start_use
from consent.roster.models import Section
from consent.texts.models import DistrictText
from consent.vetting.models import VettingRequest

DEMO_CHECKLIST = [
    "Students create no account",
    "No personal information is entered",
    "No advertising is shown",
    "I have read the privacy policy",
    "It is right for the students' age",
]


def start_demo_guideline_use(
    accounts: dict[str, Account], sections: dict[str, Section], now: datetime
) -> None:
    items = save_checklist(actor=accounts["lee"], lines=DEMO_CHECKLIST)
    wordwall = db.session.scalar(select(VettingRequest).where(VettingRequest.name == "Wordwall"))
    with clock.at(now):
        start_use(
            actor=accounts["kim"],
            section=sections["room15"],
            request=wordwall,
            confirmed={item.id for item in items},
            today=clock.today(now),
        )
    # Families read what it is for in their language, like every other demo tool's purpose.
    db.session.add(
        DistrictText(
            kind="tool",
            row_id=wordwall.tool_id,
            field="purpose",
            language="es",
            text="Juegos rápidos de emparejar y de preguntas para repasar vocabulario.",
            updated_at=now,
            updated_by_account_id=accounts["lee"].id,
        )
    )
    db.session.flush()
